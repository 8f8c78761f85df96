"""`kam serve` refuses in words what it cannot serve: no playbook folder, an empty one, a
port another program holds (exit 2, never a traceback or uvicorn's own exit code)."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from engine.cli import main

from ..conftest import PLAYBOOKS


def test_a_missing_playbook_folder_is_exit_2_and_no_store_is_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "no such folder of playbooks" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "kam.db").exists()


def test_a_folder_without_playbooks_is_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["serve", "--playbooks", "empty", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "holds no playbooks" in result.output
    assert not (tmp_path / "kam.db").exists()


def test_a_port_another_program_holds_is_exit_2_in_words(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--playbooks", str(PLAYBOOKS), "--port", str(port)]
        )
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
