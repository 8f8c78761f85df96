"""``kam serve --workers 2`` on loopback in, POST /v1/evaluate throughput and latency out.

Starts the service over a scratch SQLite store with one user, then drives 32 keep-alive
connections at it for a fixed time with wrk (Debian's package) when it is installed, else
with the asyncio load generator below; prints req/s, p50 and p99 and writes them to
bench/results/service-<time>.json. Targets (issue 10): >= 2,000 req/s, p99 <= 25 ms.

    .venv/bin/python bench/service.py [--seconds 10] [--connections 32] [--generator wrk|python]
    .venv/bin/python bench/service.py --in-process 3000

``--in-process N`` calls the app itself (ASGI, as ``kam serve`` builds it) N times in this
process, with no server and no network, and prints the CPU it took per request: the part of
the cost that is kam's, measured the same however loaded the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.store import open_store  # noqa: E402

DEAL = json.loads((ROOT / "playbooks" / "examples" / "needs-approvals.json").read_text("utf-8"))
TARGET_RPS = 2000
TARGET_P99_MS = 25.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(db: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "engine", "serve", "--db", db, "--port", str(port)]
    cmd += ["--playbooks", str(ROOT / "playbooks"), "--workers", str(workers)]
    server = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("kam serve did not start in 30 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by every process of the server's group: what the
    requests cost whatever else the machine is doing at the time."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def check(url: str, body: bytes, token: str) -> None:
    """One request first: the load must measure answers, not refusals."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", "Authorization": token}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert json.load(response)["status"]


# -- wrk -----------------------------------------------------------------------------------------
def with_wrk(url: str, body: bytes, token: str, seconds: int, connections: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "{token}"\n'
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)

    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    found = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "generator": "wrk 4 (1 thread)",
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": ms(found["50"]),
        "p99_ms": ms(found["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
    }


# -- the Python load generator ---------------------------------------------------------------------
async def one_connection(
    port: int, request: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            sent = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - sent)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(1)
    finally:
        writer.close()


def with_python(
    port: int, body: bytes, token: str, seconds: int, connections: int
) -> dict[str, Any]:
    request = (
        b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Authorization: {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    latencies: list[float] = []
    errors: list[int] = []

    async def run() -> float:
        began = time.perf_counter()
        until = began + seconds
        await asyncio.gather(
            *(one_connection(port, request, until, latencies, errors) for _ in range(connections))
        )
        return time.perf_counter() - began

    took = asyncio.run(run())
    latencies.sort()
    return {
        "generator": "python asyncio (this file), in one process",
        "rps": len(latencies) / took,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "non_2xx": len(errors),
        "requests": len(latencies),
    }


def in_process(count: int) -> float:
    """CPU ms per POST /v1/evaluate of the app called directly (no uvicorn, no socket)."""
    from engine.console import create_app
    from engine.service import Settings

    with tempfile.TemporaryDirectory() as scratch:
        db = f"sqlite:///{Path(scratch) / 'kam.db'}"
        with open_store(db) as store:
            store.add_user("bench", ["supervisor"])
            token = store.issue_token("bench")
        app = create_app(Settings(db=db, playbooks=str(ROOT / "playbooks"), warm=True))
        body = json.dumps({"playbook": "auto-dealer", "deal": DEAL, "as_of": "2026-03-02"})
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/v1/evaluate",
            "raw_path": b"/v1/evaluate", "query_string": b"", "root_path": "",
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000),
            "headers": [
                (b"content-type", b"application/json"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }  # fmt: skip

        async def one() -> None:
            answered: list[int] = []

            async def receive() -> MutableMapping[str, Any]:
                return {"type": "http.request", "body": body.encode(), "more_body": False}

            async def send(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    answered.append(message["status"])

            await app(dict(scope), receive, send)
            if answered != [200]:
                raise SystemExit(f"POST /v1/evaluate answered {answered}")

        async def run() -> float:
            startup: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
            started: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
            await startup.put({"type": "lifespan.startup"})
            life = asyncio.create_task(
                app({"type": "lifespan", "asgi": {"version": "3.0"}}, startup.get, started.put)
            )
            await started.get()
            for _ in range(100):  # warm: the playbook compiled, the token remembered
                await one()
            began = time.process_time()
            for _ in range(count):
                await one()
            took = time.process_time() - began
            await startup.put({"type": "lifespan.shutdown"})
            await started.get()
            await life
            return took * 1000 / count

        return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--generator", choices=["wrk", "python"], default=None)
    parser.add_argument("--in-process", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.in_process:
        cost = in_process(args.in_process)
        print(
            f"POST /v1/evaluate called in process {args.in_process:,} times: {cost:.3f} ms CPU each"
        )
        return
    generator = args.generator or ("wrk" if shutil.which("wrk") else "python")
    with tempfile.TemporaryDirectory() as scratch:
        db = f"sqlite:///{Path(scratch) / 'kam.db'}"
        with open_store(db) as store:
            store.add_user("bench", ["supervisor"])
            token = "Bearer " + store.issue_token("bench")
        body = json.dumps({"playbook": "auto-dealer", "deal": DEAL, "as_of": "2026-03-02"}).encode()
        port = free_port()
        url = f"http://127.0.0.1:{port}/v1/evaluate"
        server = start(db, port, args.workers)
        try:
            check(url, body, token)
            used = cpu_seconds(server.pid)
            if generator == "wrk":
                found = with_wrk(url, body, token, args.seconds, args.connections)
            else:
                found = with_python(port, body, token, args.seconds, args.connections)
            found["server_cpu_ms_per_request"] = (
                (cpu_seconds(server.pid) - used) * 1000 / max(found["requests"], 1)
            )
        finally:
            stop(server)
    found["ceiling_rps_on_2_cores"] = 2000 / found["server_cpu_ms_per_request"]
    found["load_average_1min"] = os.getloadavg()[0]
    found.update(
        {
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "workers": args.workers,
            "connections": args.connections,
            "seconds": args.seconds,
            "deal": "playbooks/examples/needs-approvals.json on auto-dealer",
        }
    )
    out = ROOT / "bench" / "results" / time.strftime("service-%Y%m%d-%H%M%S.json", time.gmtime())
    out.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    print(
        f"POST /v1/evaluate, kam serve --workers {args.workers}, {args.connections} connections, "
        f"{args.seconds} s, {found['generator']}:\n"
        f"  {found['rps']:,.0f} req/s (target >= {TARGET_RPS:,}: "
        f"{'met' if found['rps'] >= TARGET_RPS else 'MISSED'}), "
        f"p50 {found['p50_ms']:.1f} ms, p99 {found['p99_ms']:.1f} ms (target <= {TARGET_P99_MS:g}: "
        f"{'met' if found['p99_ms'] <= TARGET_P99_MS else 'MISSED'}), "
        f"{found['non_2xx']} answers not 200 of {found['requests']:,}\n"
        f"  server CPU {found['server_cpu_ms_per_request']:.2f} ms a request: at most "
        f"{found['ceiling_rps_on_2_cores']:,.0f} req/s if the service had both cores to itself "
        f"(load average {found['load_average_1min']:.1f} during the run)\n"
        f"  -> {out.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
