"""``kam serve`` in, the HTTP service running out (engine/service over uvicorn).

Loopback only unless ``--allow-remote``: the service holds deals and approvals, and a bearer
token over plain HTTP should not cross a network by accident.
"""

from __future__ import annotations

import ipaddress

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
    help="The folder of playbooks new deals are pinned to and /v1/validate reads.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Listen on a non-loopback address (put TLS in front of it: tokens travel in headers).",
)
@_guarded
def serve(db: str | None, playbooks: str, host: str, port: int, allow_remote: bool) -> int:
    """Run the HTTP service (docs/service.md): /v1 JSON over the store, bearer tokens."""
    import uvicorn

    from .console import create_app  # the service, with the console at /
    from .service import Settings

    if not is_loopback(host) and not allow_remote:
        raise InputError(
            f"{host} is not a loopback address: the service would be reachable from other "
            "machines; give --allow-remote to mean it"
        )
    app = create_app(Settings(db=db, playbooks=playbooks))
    uvicorn.run(app, host=host, port=port, log_level="info")
    return EXIT_OK
