"""``kam serve`` in, the HTTP service running out (engine/service over uvicorn).

Loopback only unless ``--allow-remote``: the service holds deals and approvals, and a bearer
token over plain HTTP should not cross a network by accident.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
from typing import Any

import click

from .cli import _guarded, main
from .cli_store import DB
from .errors import EXIT_OK, InputError

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@main.command(epilog="Exit codes: 0 stopped · 2 bad input (a remote host without --allow-remote)")
@DB
@click.option(
    "--playbooks",
    "playbooks",
    default="playbooks",
    show_default=True,
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The folder of playbooks new deals are pinned to and /v1/evaluate reads.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each its own store connection pool; use PostgreSQL for several).",
)
@click.option(
    "--eval-budget",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.01, 600),
    metavar="SECONDS",
    help="Longest a POST /v1/evaluate may run before it is answered 422.",
)
@click.option(
    "--read-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    metavar="SECONDS",
    help="Longest a client may pause while sending a body before it is answered 408.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Listen on a non-loopback address (put TLS in front of it: tokens travel in headers).",
)
@_guarded
def serve(
    db: str | None,
    playbooks: str,
    host: str,
    port: int,
    workers: int,
    eval_budget: float,
    read_timeout: float,
    allow_remote: bool,
) -> int:
    """Run the HTTP service (docs/service.md): /v1 JSON over the store, bearer tokens."""
    import uvicorn

    from .console import create_app  # the service, with the console at /
    from .service import Settings
    from .service.app import SETTINGS_ENV

    if not is_loopback(host) and not allow_remote:
        raise InputError(
            f"{host} is not a loopback address: the service would be reachable from other "
            "machines; give --allow-remote to mean it"
        )
    given: dict[str, Any] = {
        "db": db,
        "playbooks": playbooks,
        "eval_budget": eval_budget,
        "read_timeout": read_timeout,
        "warm": True,
    }
    _port_is_free(host, port)
    app = create_app(Settings(**given))  # the store and the folder are checked here
    # uvicorn stops gracefully on SIGTERM and then raises it again: let that end the process
    # as a stopped service (what a service manager expects), not as an interrupted command
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info")
        return EXIT_OK
    app.state.service.store.close()
    os.environ[SETTINGS_ENV] = json.dumps(given)
    uvicorn.run(
        "engine.console:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
    return EXIT_OK


def _port_is_free(host: str, port: int) -> None:
    """Refuse a port another program holds, in words (uvicorn would log errno 98 and exit 3,
    which is kam's "needs approval")."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError(
                f"cannot listen on {host}:{port}: {error.strerror or error} "
                "(another program holds the port? give --port)"
            ) from None
