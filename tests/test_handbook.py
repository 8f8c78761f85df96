"""`kam docs`: the handbook in HTML and Markdown, committed for every reference playbook, and
opened in a real headless Chromium to see the stage diagram drawn.

The handbook is for a sales director: no template syntax, no snake_case ids and no file
names outside the appendix for playbook authors, the Chinese handbook in Chinese, each
message as it reads for a deal, and a diagram whose names fit their boxes and whose lines
never run along each other."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
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
    assert "| > 15% ※ | approval by General manager |" in out
    assert ("Customer › Days overdue is more than Overdue days that block credit sales (90)") in out
    assert "→ **Lost** from any open stage" in out


def test_handbook_in_chinese(runner):
    out = runner.invoke(
        main, ["docs", str(PLAYBOOKS / "key-account-office.yaml"), "--lang", "zh", "--format", "md"]
    ).output
    assert "## 审批链" in out
    assert "| 1 | 大客户部经理 |  (必经) |" in out
    assert "| 2 | 营销总监 | 20,000.00 ※ (必经) |" in out
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


def _browser() -> str:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs the Debian package 'chromium'")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return browser


def _run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_stage_diagram_renders_in_headless_chromium(runner, tmp_path, lang):
    page = tmp_path / "handbook.html"
    runner.invoke(
        main, ["docs", str(PLAYBOOKS / "auto-dealer.yaml"), "--lang", lang, "-o", str(page)]
    )
    shot = tmp_path / "shot.png"
    _run_chromium(
        tmp_path,
        "--hide-scrollbars",
        "--window-size=1100,700",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert shot.exists(), "Chromium wrote no screenshot"
    width, channels, rows = _png_pixels(shot.read_bytes())
    # the stage boxes are stroked in slate blue (#4a6fa5, lighter where anti-aliased); nothing
    # else on the page is that colour (links are pure blue), so count it below the title
    stage_blue = 0
    for row in rows[250:700]:
        for x in range(0, width * channels, channels):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if 60 < r < 170 and b - r > 40 and abs(2 * g - r - b) < 60:
                stage_blue += 1
    assert stage_blue > 3000, f"only {stage_blue} stage-border pixels: the diagram did not render"


# Measures, in the browser, every stage name against its box and writes what sticks out.
_MEASURE = """<script>
addEventListener("load", () => {
  const out = [];
  let n = 0;
  for (const g of document.querySelectorAll("svg.diagram g.stage")) {
    const r = g.querySelector("rect").getBBox();
    for (const t of g.querySelectorAll("text")) {
      n += 1;
      const b = t.getBBox();
      if (b.x < r.x + 2 || b.x + b.width > r.x + r.width - 2) out.push(t.textContent);
    }
  }
  document.body.setAttribute("data-measured", String(n));
  document.body.setAttribute("data-sticking-out", JSON.stringify(out));
});
</script>"""


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("playbook", REFERENCE)
def test_every_stage_name_fits_its_box_in_chromium(handbooks, tmp_path, playbook, lang):
    page = tmp_path / "measure.html"
    html = handbooks[(playbook, lang, "html")]
    page.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    done = _run_chromium(tmp_path, "--dump-dom", page.as_uri())
    measured = re.search(r'data-measured="(\d+)"', done.stdout)
    assert measured, f"Chromium did not measure the page: {done.stderr[-500:]}"
    assert int(measured.group(1)) >= 8
    sticking = re.search(r'data-sticking-out="([^"]*)"', done.stdout)
    assert sticking is not None
    assert json.loads(sticking.group(1).replace("&quot;", '"')) == []


def _cjk_font() -> bool:
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    found = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def test_a_chinese_font_is_installed_for_the_chinese_handbook():
    """Without one Chromium draws every Chinese character as an empty box (tofu)."""
    if not _cjk_font():
        if os.environ.get("CI"):
            pytest.fail("no Chinese font: .ci/run installs the Debian package 'fonts-noto-cjk'")
        pytest.skip("no Chinese font (apt-get install fonts-noto-cjk)")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_printed_handbook_starts_each_section_on_a_new_page(runner, tmp_path, lang):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is missing: .ci/run installs the Debian package 'poppler-utils'")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    page = tmp_path / "handbook.html"
    runner.invoke(
        main, ["docs", str(PLAYBOOKS / "key-account-office.yaml"), "--lang", lang, "-o", str(page)]
    )
    pdf = tmp_path / "handbook.pdf"
    _run_chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    firsts = [next((ln.strip() for ln in p.splitlines() if ln.strip()), "") for p in pages]
    sections = re.findall(r"<h2[^>]*>([^<]+)</h2>", page.read_text(encoding="utf-8"))
    assert len(sections) >= 6
    for title in sections[1:]:  # the first follows the title on page 1
        assert title in firsts, f"section {title!r} does not start a page"
    contents = "Contents:" if lang == "en" else "目录:"
    assert contents not in text  # no navigation on paper
    # the widest diagram fits the page: every stage name is on it
    for name in ("Manager check", "Reimbursement") if lang == "en" else ("经理检查", "费用报销"):
        assert name in pages[0] + pages[1]


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


# -- for a sales director ------------------------------------------------------------------------


class _Text(HTMLParser):
    """The text a reader sees, without styles, split into the body and the appendix."""

    def __init__(self) -> None:
        super().__init__()
        self.body: list[str] = []
        self.appendix: list[str] = []
        self._skip = 0
        self._in_appendix = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "section" and ("id", "appendix") in attrs:
            self._in_appendix = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            (self.appendix if self._in_appendix else self.body).append(data)


def _docs(runner, playbook: str, lang: str, fmt: str) -> str:
    result = runner.invoke(
        main, ["docs", f"playbooks/{playbook}.yaml", "--lang", lang, "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    return result.output


def _split(text: str, fmt: str) -> tuple[str, str]:
    """(what a reader reads before the appendix, the appendix)."""
    if fmt == "html":
        parser = _Text()
        parser.feed(text)
        return " ".join(parser.body), " ".join(parser.appendix)
    text = re.sub(r"```mermaid\n.*?```", "", text, flags=re.S)  # drawn, not read
    text = text.replace("<br>", " ").replace("<br/>", " ")
    head, _, appendix = re.split(
        r"^## (Appendix for playbook authors|附录：供规则编写者参考)$", text, maxsplit=1, flags=re.M
    )
    return head, appendix


@pytest.fixture(scope="module")
def handbooks() -> dict[tuple[str, str, str], str]:
    """Every reference handbook as `kam docs` writes it now."""
    from click.testing import CliRunner

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return {(p, lang, fmt): _docs(CliRunner(), p, lang, fmt) for p, lang, fmt in CASES}
    finally:
        os.chdir(here)


@pytest.mark.parametrize(("playbook", "lang", "fmt"), CASES, ids=lambda x: str(x))
def test_no_template_syntax_anywhere(handbooks, playbook, lang, fmt):
    out = handbooks[(playbook, lang, fmt)]
    for syntax in ("{{", "}}", "{%", "%}", "{#"):
        assert syntax not in out


SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@pytest.mark.parametrize(("playbook", "lang", "fmt"), CASES, ids=lambda x: str(x))
def test_no_snake_case_id_or_file_outside_the_appendix(handbooks, playbook, lang, fmt):
    body, appendix = _split(handbooks[(playbook, lang, fmt)], fmt)
    assert SNAKE.findall(body) == []
    assert ".yaml" not in body
    # the appendix holds them: every rule's file and line, the ids of stages and settings
    assert re.search(rf"playbooks/{playbook}\.yaml:\d+", appendix)
    assert SNAKE.search(appendix)


def test_the_appendix_says_where_each_item_is_defined(handbooks):
    _, appendix = _split(handbooks[("auto-dealer", "en", "md")], "md")
    where = r"`[^`]*playbooks/{}\.yaml:\d+`"
    p7 = r"\| rule \| Price below the floor needs approval \| `P7` \| "
    assert re.search(p7 + where.format("auto-dealer"), appendix)
    c1 = r"\| rule \| Credit sales need an investigation and a limit approved by the supervisor \| `C1` \| "
    assert re.search(c1 + where.format("modules/credit-policy"), appendix)
    assert "| stage | After-sales follow-up | `follow_up` |" in appendix
    assert "| task | refresh the credit check | `refresh_credit_check` |" in appendix
    assert "| deal field | Order lines › Floor price | `lines[].floor_price` |" in appendix


def test_each_message_reads_as_for_a_worked_example_deal(handbooks):
    md = handbooks[("auto-dealer", "en", "md")]
    assert (
        "**What kam says** for example, for deal GP-2026-014: _“the customer's territory "
        "Chaoyang is shared by several dealers: apply to the manufacturer for authorization "
        "before selling, to protect this dealer's claim to the account”_"
    ) in md
    zh = handbooks[("auto-dealer", "zh", "md")]
    assert "**kam 的提示** 例如，对交易 GP-2026-014： _“客户所在辖区Chaoyang为复合辖区" in zh
    # an approval chain's message too
    office = handbooks[("key-account-office", "en", "html")]
    assert "for example, for deal VR-2026-044:" in office
    assert "step 1: key-account department manager for a budget of 15,000.00" in office


def test_a_message_no_test_deal_shows_is_told_in_words(runner, tmp_path, monkeypatch):
    # the playbook alone, without its tests/ folder: no deal to show the messages with
    # (uncached: the cache keeps one model per content, whatever folder it was read from)
    monkeypatch.setenv("KAM_CACHE_DIR", "off")
    shutil.copy(PLAYBOOKS / "auto-dealer.yaml", tmp_path / "auto-dealer.yaml")
    shutil.copytree(PLAYBOOKS / "modules", tmp_path / "modules")
    out = runner.invoke(main, ["docs", str(tmp_path / "auto-dealer.yaml"), "--format", "md"])
    assert out.exit_code == 0, out.output
    assert "{{" not in out.output
    assert "{%" not in out.output
    assert (
        "in general (the values of the deal in brackets): _“the customer's territory "
        "[Customer › Territory] is shared by several dealers: apply to the manufacturer for "
        "authorization before selling, to protect this dealer's claim to the account”_"
    ) in out.output
    # a loop is read once (without its separator), a setting shows its value
    assert (
        "[Model] at [Unit price] is above its retail price [Market retail price]: lower the price"
    ) in out.output
    assert "file the visit record of the visit on [Date] with the key-account office" in out.output
    # a message without values needs no explaining
    assert (
        "**What kam says** _“the customer's credit was never investigated, so the deal"
        in out.output
    )
    assert "the customer is [Customer › Days overdue] days overdue, more than the 90 allowed" in (
        out.output
    )
    zh = runner.invoke(
        main, ["docs", str(tmp_path / "auto-dealer.yaml"), "--format", "md", "--lang", "zh"]
    ).output
    assert (
        "客户所在辖区【客户 › 所在辖区】为复合辖区（多家经销商共有）：请在销售前向厂家申请授权"
        in zh
    )


def test_what_happens_without_data_is_said_in_plain_words(handbooks):
    md = handbooks[("auto-dealer", "en", "md")]
    assert "If data is missing" not in md
    assert "If the data needed is missing, kam shows a warning and asks for it." in md
    assert "If the data needed is missing, this rule is not applied." in md
    assert (
        "所需数据缺失时，kam 会给出警告并要求补充数据。" in handbooks[("auto-dealer", "zh", "md")]
    )


def test_ids_are_shown_by_their_business_labels(handbooks):
    md = handbooks[("auto-dealer", "en", "md")]
    assert "a task for Key-account specialist — refresh the credit check (due in 7 days)" in md
    assert "any of Contacts where its Buying role is ‘decision maker’" in md
    zh = handbooks[("enterprise-sales", "zh", "md")]
    assert "其采购角色 为 ‘决策者’" in zh
    assert "依据 我方份额: < 10% → 增长区; ≥ 10% 且 ≤ 30% → 发展区; > 30% → 巩固区" in zh


LATIN = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _deal_words(playbook: str) -> set[str]:
    """Latin words in the deals of the playbook's tests: data the handbook quotes."""
    from engine.app.examples import _test_deals

    words: set[str] = set()

    def walk(v: object) -> None:
        if isinstance(v, str):
            words.update(LATIN.findall(v))
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for deal, _ in _test_deals(str(PLAYBOOKS / f"{playbook}.yaml"), playbook):
        walk(deal)
    return words


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("playbook", REFERENCE)
def test_the_chinese_handbook_is_chinese_throughout(handbooks, playbook, fmt):
    """Latin words only where they are ids or codes (P7, V-GP, CNY, a deal's number), the
    tool's name, or data quoted from the worked example deals (a customer's name)."""
    body, _ = _split(handbooks[(playbook, "zh", fmt)], fmt)
    allowed = _deal_words(playbook) | {"kam"}
    code = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
    english = sorted(
        {w for w in LATIN.findall(body) if w not in allowed and not code.match(w.strip("-"))}
    )
    assert english == []


def test_the_english_handbook_has_no_chinese(handbooks):
    body, _ = _split(handbooks[("enterprise-sales", "en", "md")], "md")
    assert not re.search(r"[\u4e00-\u9fff]", body)


# -- the stage diagram ---------------------------------------------------------------------------


def _segments(d: str) -> list[tuple[float, float, float, float]]:
    """The straight pieces of an SVG path written with M, L, H and V."""
    out = []
    x = y = 0.0
    for cmd, args in re.findall(r"([MLHV])\s*([-\d.,\s]+)", d):
        nums = [float(n) for n in re.split(r"[,\s]+", args.strip()) if n]
        if cmd == "M":
            x, y = nums
            continue
        nx, ny = (nums[0], nums[1]) if cmd == "L" else (nums[0], y) if cmd == "H" else (x, nums[0])
        out.append((x, y, nx, ny))
        x, y = nx, ny
    return out


def _points(d: str) -> list[tuple[float, float]]:
    """Points 1px apart along an SVG path (M, L, H, V and Bezier curves Q and C)."""
    pts: list[tuple[float, float]] = []
    x = y = 0.0
    for cmd, args in re.findall(r"([MLHVQC])\s*([-\d.,\s]+)", d):
        nums = [float(n) for n in re.split(r"[,\s]+", args.strip()) if n]
        if cmd == "M":
            x, y = nums[0], nums[1]
            continue
        if cmd in "LHV":
            ctrl = [
                (x, y),
                (nums[0], nums[1]) if cmd == "L" else (nums[0], y) if cmd == "H" else (x, nums[0]),
            ]
        else:
            ctrl = [(x, y), *zip(nums[::2], nums[1::2], strict=True)]
        length = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in itertools.pairwise(ctrl))
        steps = max(int(length), 1)
        for i in range(steps + 1):
            t = i / steps
            q = list(ctrl)
            while len(q) > 1:  # de Casteljau
                q = [
                    (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                    for a, b in itertools.pairwise(q)
                ]
            pts.append(q[0])
        x, y = ctrl[-1]
    return pts


def _run_along(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> int:
    """The longest stretch (in px) of ``a`` that lies within 2px of ``b``."""
    longest = run = 0
    for p in a:
        near = any(abs(p[0] - q[0]) < 2 and abs(p[1] - q[1]) < 2 for q in b)
        run = run + 1 if near else 0
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("playbook", REFERENCE)
def test_no_two_moves_run_along_each_other(handbooks, playbook, lang):
    """Lines may cross, but never share a stretch (nor meet a box at the same point)."""
    html = handbooks[(playbook, lang, "html")]
    for svg in re.findall(r"<svg class=\"diagram\".*?</svg>", html, flags=re.S):
        paths = re.findall(
            r'<path class="move[^"]*" data-from="([^"]+)" data-to="([^"]+)" d="([^"]+)"', svg
        )
        assert paths
        drawn = [(f"{a}->{b}", _points(d)) for a, b, d in paths]
        for i, (m1, p1) in enumerate(drawn):
            for m2, p2 in drawn[i + 1 :]:
                assert _run_along(p1, p2) < 6, f"{m1} and {m2} run along each other"


def test_moves_back_get_lanes_of_their_own(handbooks):
    html = handbooks[("key-account-office", "en", "html")]
    backs = re.findall(r'<path class="move back"[^>]* d="([^"]+)"', html)
    assert len(backs) == 4  # screening, manager review, director review, approval: back
    lanes = [next(s for s in _segments(d) if s[1] == s[3])[1] for d in backs[:3]]
    assert len(set(lanes)) == 3  # the first diagram's three moves back, at three heights


def test_long_stage_names_wrap_inside_their_box():
    from engine.present.diagram import MAX_W, PAD, layout, text_width

    names = {"a": "Screening and evaluation", "b": "客户开发申请审批与项目组成立", "c": "Lost"}
    lay = layout(names, show_win=True)
    assert lay.box_w <= MAX_W
    for lines in lay.lines.values():
        assert all(text_width(line) <= lay.box_w - 2 * PAD for line in lines)
    assert lay.lines["a"] == ["Screening and", "evaluation"]
    assert len(lay.lines["b"]) == 2


def test_a_playbook_read_from_text_borrows_no_examples(monkeypatch):
    """Text has no folder: the tests/ of wherever kam runs are not its tests."""
    import engine
    from engine.app.examples import worked_examples

    monkeypatch.chdir(PLAYBOOKS)  # a tests/ folder right here, with this playbook's tests
    text = (PLAYBOOKS / "key-account-office.yaml").read_text(encoding="utf-8")  # no includes
    pb = engine.loads_playbook(text)
    assert worked_examples(pb, "en") == {}
    assert worked_examples(engine.load_playbook(PLAYBOOKS / "key-account-office.yaml"), "en")


def test_docs_output_naming_the_playbook_is_refused_and_the_playbook_kept(runner, tmp_path):
    """`kam docs p.yaml -o p.yaml` used to replace the playbook with its handbook."""
    playbook = tmp_path / "p.yaml"
    shutil.copy(PLAYBOOKS / "tutorial" / "courier-contracts.yaml", playbook)
    before = playbook.read_bytes()
    for given in (playbook, tmp_path / "." / "p.yaml"):
        result = runner.invoke(main, ["docs", str(playbook), "-o", str(given)])
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [
            f"{given}: is the playbook of this command; write to another file"
        ]
        assert playbook.read_bytes() == before


# -- company settings marked (parameters' source:) ---------------------------------------------


@pytest.mark.parametrize(
    ("lang", "setting", "legend", "guide"),
    [
        (
            "en",
            "※ company setting, not from the guide",
            "※ marks a company setting",
            "from the guide: 000, commercial policy 1(2)",
        ),
        (
            "zh",
            "※ 公司设定，非指导书规定",
            "标有 ※ 的数值为公司设定，非指导书规定",
            "指导书规定：000 §商务规定及政策 1(2)",
        ),
    ],
)
def test_company_settings_are_marked_with_a_legend(runner, lang, setting, legend, guide):
    for fmt in ("md", "html"):
        out = runner.invoke(
            main,
            ["docs", str(PLAYBOOKS / "auto-dealer.yaml"), "--lang", lang, "--format", fmt],
        ).output
        assert legend in out
        assert setting in out
        assert guide in out  # the group minimum cites the guide, in the handbook's language
    md = runner.invoke(
        main, ["docs", str(PLAYBOOKS / "auto-dealer.yaml"), "--lang", lang, "--format", "md"]
    ).output
    assert "| > 15% ※ |" in md  # the discount tiers are the company's
    assert "| 80% |" in md
    assert "| 100% ※ |" in md
    row = next(ln for ln in md.splitlines() if ln.startswith("| ") and " | 5 | " in ln)
    assert "※" not in row  # 5 units: the guide's own setting, not marked


def test_chain_limits_and_rules_mark_company_settings(runner):
    md = runner.invoke(
        main, ["docs", str(PLAYBOOKS / "key-account-office.yaml"), "--format", "md"]
    ).output
    assert "20,000.00 ※" in md  # the director's limit; the manager has none (source 004)
    assert "30% ※" in md  # the gift share


def test_a_playbook_that_says_no_source_has_no_mark_and_no_column(runner):
    md = runner.invoke(
        main, ["docs", str(ROOT / "tests/fixtures/valid/minimal.yaml"), "--format", "md"]
    ).output
    assert "※" not in md
    assert "Where it comes from" not in md


# -- a playbook's words are text in every format (issue 12) --------------------------------------

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"
NEWLINE = "\n"
HOSTILE_PLAYBOOK = f"""
kam: 1
id: hostile
version: "1"
title: {json.dumps("Title " + HOSTILE)}
description: {json.dumps("Intro " + HOSTILE + NEWLINE + "[r]: javascript:alert(4)")}
currency: CNY
roles:
  manager: {json.dumps("Manager " + HOSTILE)}
categories:
  direct: {{label: {json.dumps("Direct " + HOSTILE)}}}
fields:
  amount: {{type: money, label: {json.dumps("Amount " + HOSTILE)}}}
rules:
  - id: BIG
    title: {json.dumps("Big " + HOSTILE)}
    when: deal.amount > 1000
    then: approval
    role: manager
    message: {json.dumps("amount " + HOSTILE + " {{ deal.amount | money }}")}
stages:
  open: {{label: {json.dumps('Open" --> x; click s1 call alert(5) ' + HOSTILE)}}}
  done: {{terminal: true}}
transitions:
  - {{from: open, to: done}}
"""


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_playbook_text_never_becomes_html_or_a_link_in_the_handbook(runner, tmp_path, fmt):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE_PLAYBOOK, encoding="utf-8")
    result = runner.invoke(main, ["docs", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "alert(1)" in out  # the words are there, as text
    links = (r"\]\(javascript:", r"\n *\[r\]: javascript") if fmt == "md" else ()
    for live in (r"<script", r"<img", *links):
        # Markdown reads a character after a backslash as text
        assert not re.search(r"(?<!\\)" + live, out), live
    if fmt == "md":
        assert out.count("\\<script>alert(1)\\</script>") >= 5  # title, rule, category, role...
        mermaid = out.split("```mermaid", 1)[1].split("```", 1)[0]
        assert '"Open"' not in mermaid
        assert "click" in mermaid  # inside the quoted label, not a statement of its own
        assert not any(line.strip().startswith("click") for line in mermaid.splitlines())
