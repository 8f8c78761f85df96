"""``kam demo`` in, the example people and deals in the store and their sign-in tokens out.

Thin: parse, call ``engine.console.demo``, print. Run it in a kam checkout (it reads
``playbooks/examples`` and ``docs/store``), then ``kam serve`` and sign in at the address shown.
"""

from __future__ import annotations

import click

from .cli import AS_OF, _as_of, _guarded, main
from .cli_store import DB, _store
from .errors import EXIT_OK

EXAMPLES_MADE = "2026-03-02"


@main.command(epilog="Exit codes: 0 loaded (or already there) · 2 bad input · 4 internal error")
@click.option(
    "--from",
    "root",
    default=".",
    show_default=True,
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The kam checkout whose examples are loaded.",
)
@AS_OF
@DB
@_guarded
def demo(root: str, as_of: str | None, db: str | None) -> int:
    """Load the example deals, customer and people into the store (again: adds only what is
    missing) and print a fresh console token for each person."""
    from .console.demo import load_demo

    with _store(db) as store:
        # the example deals were made on 2026-03-02, under the version in force that day
        loaded = load_demo(store, root, _as_of(as_of or EXAMPLES_MADE))
    for what in loaded.added:
        click.echo(f"added {what}")
    if loaded.present:
        click.echo(f"already there, left as it is: {', '.join(loaded.present)}")
    click.echo("\nSign in to the console (kam serve, then http://127.0.0.1:8000/) with a token:")
    for name, token, roles in loaded.tokens:
        click.echo(f"  {name:<11} {token}  ({', '.join(roles)})")
    return EXIT_OK
