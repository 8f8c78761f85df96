"""`kam docs`: the handbook in HTML and Markdown, committed for every reference playbook, and
opened in a real headless Chromium to see the stage diagram drawn."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from engine.cli import main

from .conftest import PLAYBOOKS, ROOT

HANDBOOKS = ROOT / "docs" / "handbooks"
REFERENCE = ["auto-dealer", "enterprise-sales", "key-account-office"]
CASES = [(p, lang, fmt) for p in REFERENCE for lang in ("en", "zh") for fmt in ("html", "md")]


@pytest.mark.parametrize(("playbook", "lang", "fmt"), CASES, ids=lambda x: str(x))
def test_committed_handbooks_are_current(runner, playbook, lang, fmt, regen, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(
        main, ["docs", f"playbooks/{playbook}.yaml", "--lang", lang, "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    golden = HANDBOOKS / f"{playbook}.{lang}.{fmt}"
    if regen:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8"), (
        "handbook out of date: run pytest tests/test_handbook.py --regen-goldens"
    )


def test_html_is_self_contained(runner):
    out = runner.invoke(main, ["docs", str(PLAYBOOKS / "auto-dealer.yaml")]).output
    assert "<svg" in out
    for fetch in ("http://", "https://", "src=", "@import", "url(http"):
        assert fetch not in out.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_handbook_content_in_plain_words(runner):
    out = runner.invoke(
        main, ["docs", str(PLAYBOOKS / "auto-dealer.yaml"), "--format", "md"]
    ).output
    assert "### `DISCOUNT` Discount approval tiers" in out
    assert "| > Discount needing the general manager" not in out  # ranges show values
    assert "| > 15% | approval by General manager |" in out
    assert ("Days overdue is more than Overdue days that block credit sales (90)") in out
    assert "→ **Lost** from any open stage" in out


def test_handbook_in_chinese(runner):
    out = runner.invoke(
        main, ["docs", str(PLAYBOOKS / "key-account-office.yaml"), "--lang", "zh", "--format", "md"]
    ).output
    assert "## 审批链" in out
    assert "| 1 | 大客户部经理 | 2,000.00 |" in out
    assert "| 4 | 财务部 |  (必经) |" in out


def test_handbook_to_a_file(runner, tmp_path):
    target = tmp_path / "h.html"
    result = runner.invoke(
        main, ["docs", str(PLAYBOOKS / "enterprise-sales.yaml"), "-o", str(target)]
    )
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (tmp_path / "h.html.tmp").exists()


def test_playbook_text_cannot_inject_markup(tmp_path, runner):
    text = (ROOT / "tests/fixtures/valid/minimal.yaml").read_text()
    text = text.replace("title: Minimal", 'title: "<script>alert(1)</script>"')
    (tmp_path / "p.yaml").write_text(text)
    out = runner.invoke(main, ["docs", str(tmp_path / "p.yaml")]).output
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


# -- a real browser ----------------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB(A) PNG into rows of raw pixel bytes (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def test_the_stage_diagram_renders_in_headless_chromium(runner, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs the Debian package 'chromium'")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    page = tmp_path / "handbook.html"
    runner.invoke(main, ["docs", str(PLAYBOOKS / "auto-dealer.yaml"), "-o", str(page)])
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1100,700",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists(), "Chromium wrote no screenshot"
    width, channels, rows = _png_pixels(shot.read_bytes())
    # the stage boxes are stroked in slate blue (#4a6fa5, lighter where anti-aliased); nothing
    # else on the page is that colour (links are pure blue), so count it below the title
    stage_blue = 0
    for row in rows[300:700]:
        for x in range(0, width * channels, channels):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if 60 < r < 170 and b - r > 40 and abs(2 * g - r - b) < 60:
                stage_blue += 1
    assert stage_blue > 3000, f"only {stage_blue} stage-border pixels: the diagram did not render"


def test_docs_of_a_version_from_a_folder(runner):
    result = runner.invoke(
        main,
        ["docs", str(PLAYBOOKS), "--id", "auto-dealer", "--as-of", "2026-08-01", "--format", "md"],
    )
    assert result.exit_code == 0
    assert "2026.2" in result.output
    assert "in trial (shadow)" in result.output


def test_handbook_folder_is_documented():
    assert Path(HANDBOOKS / "README.md").exists()
