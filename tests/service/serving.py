"""A store URL and options in, a real ``kam serve`` on a free loopback port out (a
subprocess, stopped by SIGINT and waited for), with small HTTP helpers for talking to it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from ..conftest import PLAYBOOKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def running(db: str, *options: str, start_within: float = 30) -> Iterator[str]:
    """``kam serve --db db`` with ``options``; yields its base URL once /healthz answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "engine", "serve", "--db", db, "--playbooks", str(PLAYBOOKS)]
    server = subprocess.Popen(
        [*cmd, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # its workers are stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_within
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    json.load(response)
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    err = server.stderr.read().decode() if server.stderr else ""
                    raise AssertionError(f"kam serve stopped: {err}") from None
                assert time.monotonic() < deadline, f"kam serve did not start in {start_within} s"
                time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            if server.stderr:
                server.stderr.close()


def call(
    url: str,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request; (status, headers, parsed JSON body). Errors are answers too."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, dict(refused.headers), json.loads(refused.read())
