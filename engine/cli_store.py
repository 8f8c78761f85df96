"""Command line in, exit code out, for the store: ``kam db | users | customers | deals |
decisions | playbooks ...``.

Thin like ``cli.py`` (whose helpers it uses): parse the arguments, call ``engine.store``,
print. Every command takes ``--db URL`` (default ``$KAM_DB``, else ``kam.db`` here) and
``--format text|json``. Exit codes as ``kam``'s, plus 6: a conflict with what is stored (a
stale ``--if-version``, an idempotency key used for another request, an id already stored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from .cli import AS_OF, FORMAT, LANG, _as_of, _guarded, _lang, _read_deal, _status_code, main
from .errors import EXIT_OK, InputError

if TYPE_CHECKING:
    from .app.playbook import Playbook
    from .store import Store

STORE_EPILOG = (
    "Exit codes: 0 ok · 1 refused (or, for show, blocked) · 2 bad input · 3 needs approval "
    "(show) · 4 internal error · 6 conflict: changed since read, key reused, already stored"
)
DB = click.option(
    "--db",
    "db",
    metavar="URL",
    envvar="KAM_DB",
    help="The store: sqlite:///FILE, a file path, or postgresql+psycopg://... "
    "(default: $KAM_DB, else kam.db here).",
)
BY = click.option("--by", "by", required=True, metavar="USER", help="Who does it (a store user).")
KEY = click.option(
    "--key",
    "key",
    metavar="KEY",
    help="Idempotency key: the same key and request again answers as the first time, once.",
)
IF_VERSION = click.option(
    "--if-version",
    "if_version",
    type=int,
    metavar="N",
    help="The version you read: refused (exit 6) if it has changed since.",
)
PLAYBOOK_PINNED = click.option(
    "--playbook",
    "-p",
    "playbook",
    metavar="PATH",
    type=click.Path(),
    help="The playbook file or folder (default: the one the deal was created with; it must "
    "be the version the deal is pinned to).",
)


@contextmanager
def _store(db: str | None) -> Iterator[Store]:
    from .store import open_store

    store = open_store(db)
    try:
        yield store
    finally:
        store.close()


def _echo_json(data: Any) -> None:
    from .jsontext import to_json

    click.echo(to_json(data), nl=False)


def _read_json(given: str, what: str) -> Any:
    """A JSON or YAML file, ``-`` for stdin, or the JSON text itself (starting with ``{``)."""
    from .run.deal import loads_deal

    if given.lstrip().startswith("{"):
        return loads_deal(given, "json", source=what)
    return _read_deal(given)


def _pinned(store: Store, deal_id: str, given: str | None, as_of: str | None) -> Playbook:
    """The playbook a stored deal is judged by: the one it is pinned to, from ``given`` or
    from where it was read when the deal was created."""
    from .app.library import open_playbook

    deal = store.get_deal(deal_id)
    return open_playbook(
        given or deal.playbook_source, deal.playbook_id, deal.playbook_version, _as_of(as_of)
    )


def _print_change(change: Any, what: str, fmt: str) -> int:
    response = change.response
    if fmt == "json":
        _echo_json({**response, "replayed": change.replayed})
        return EXIT_OK
    deal = response["deal"]
    again = " (repeated request: the first answer, nothing written)" if change.replayed else ""
    click.echo(
        f"{deal['id']}: {what}; version {deal['version']}, stage {deal['stage']}, "
        f"{deal['status']}{again}"
    )
    for approval in response["result"]["approvals"]:
        if approval["status"] != "granted":
            click.echo(f"  needs {approval['role']}: {approval['message']}")
    for violation in response["result"]["violations"]:
        click.echo(f"  {violation['severity']} {violation['rule']}: {violation['message']}")
    return EXIT_OK


# -- kam db ------------------------------------------------------------------------------------
@main.group(epilog=STORE_EPILOG)
def db() -> None:
    """The store's database: upgrade its schema, see where it is, verify its history."""


@db.command("upgrade", epilog=STORE_EPILOG)
@DB
@FORMAT
@_guarded
def db_upgrade(db: str | None, fmt: str) -> int:
    """Create the store or bring its schema to this kam's version (data kept)."""
    from .store import migrate
    from .store.connect import database_url, make_engine

    engine = make_engine(database_url(db))
    try:
        before, after = migrate.upgrade(engine)
    finally:
        engine.dispose()
    if fmt == "json":
        _echo_json({"before": before, "after": after})
    elif before == after:
        click.echo(f"the store is current (schema {after})")
    else:
        click.echo(f"the store's schema: {before or 'none'} -> {after}")
    return EXIT_OK


@db.command("status", epilog=STORE_EPILOG)
@DB
@FORMAT
@_guarded
def db_status(db: str | None, fmt: str) -> int:
    """Which schema the store is at, and whether it needs kam db upgrade."""
    from .store import migrate
    from .store.connect import database_url, make_engine

    engine = make_engine(database_url(db))
    try:
        state = migrate.status(engine)
    finally:
        engine.dispose()
    if fmt == "json":
        _echo_json(state)
    else:
        click.echo(
            f"schema {state['revision'] or 'none'} (this kam: {state['head']}): {state['state']}"
        )
    return EXIT_OK if state["state"] == "current" else 1


@db.command("verify", epilog=STORE_EPILOG)
@DB
@FORMAT
@_guarded
def db_verify(db: str | None, fmt: str) -> int:
    """Check every deal's event chain and that replaying its events gives the stored deal."""
    with _store(db) as store:
        problems = store.verify()
    if fmt == "json":
        _echo_json({"ok": not problems, "problems": problems})
    else:
        for line in problems:
            click.echo(line)
        click.echo("the store is sound" if not problems else f"{len(problems)} problem(s)")
    return EXIT_OK if not problems else 1


# -- kam users ---------------------------------------------------------------------------------
@main.group(epilog=STORE_EPILOG)
def users() -> None:
    """The people who change deals, and the roles they hold."""


@users.command("add", epilog=STORE_EPILOG)
@click.argument("name")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="A role held (repeat).")
@click.option(
    "--playbooks",
    "playbooks",
    default="playbooks",
    show_default=True,
    metavar="DIR",
    help="The folder of playbooks whose roles a user may hold (besides the store's own: "
    "admin, supervisor, pricing).",
)
@DB
@FORMAT
@_guarded
def users_add(name: str, roles: tuple[str, ...], playbooks: str, db: str | None, fmt: str) -> int:
    """Add a user holding the given roles (each one a playbook or the store knows)."""
    import os

    from .app.library import Library
    from .store.accounts import STORE_ROLES

    if not os.path.isdir(playbooks):
        for role in roles:
            if role not in STORE_ROLES:
                raise InputError(
                    f"--role {role}: no folder of playbooks '{playbooks}' here to say which "
                    f"roles exist; give --playbooks DIR (the store's own roles: "
                    f"{', '.join(sorted(STORE_ROLES))})"
                )
    known = Library(playbooks).roles() if os.path.isdir(playbooks) else set()
    with _store(db) as store:
        user = store.add_user(name, roles, known_roles=known)
    if fmt == "json":
        _echo_json(user)
    else:
        click.echo(f"added {user['name']} ({', '.join(user['roles']) or 'no roles'})")
    return EXIT_OK


@users.command("list", epilog=STORE_EPILOG)
@DB
@FORMAT
@_guarded
def users_list(db: str | None, fmt: str) -> int:
    """Every user with their roles."""
    with _store(db) as store:
        found = store.list_users()
    if fmt == "json":
        _echo_json(found)
    else:
        for user in found:
            state = "" if user["active"] else " (inactive)"
            click.echo(f"{user['name']}: {', '.join(user['roles']) or '-'}{state}")
    return EXIT_OK


@users.command("disable", epilog=STORE_EPILOG)
@click.argument("name")
@DB
@FORMAT
@_guarded
def users_disable(name: str, db: str | None, fmt: str) -> int:
    """Disable a user: their tokens and approvals are refused from now on (kept on record)."""
    with _store(db) as store:
        user = store.disable_user(name)
    if fmt == "json":
        _echo_json(user)
    else:
        click.echo(f"disabled {user['name']}: their tokens and approvals are refused from now on")
    return EXIT_OK


@users.command("token", epilog=STORE_EPILOG)
@click.argument("name")
@DB
@FORMAT
@_guarded
def users_token(name: str, db: str | None, fmt: str) -> int:
    """A new API token for a user: printed once, kept only as a hash."""
    with _store(db) as store:
        token = store.issue_token(name)
    if fmt == "json":
        _echo_json({"user": name, "token": token})
    else:
        click.echo(token)
    return EXIT_OK


# -- kam customers -----------------------------------------------------------------------------
@main.group(epilog=STORE_EPILOG)
def customers() -> None:
    """Customer accounts: a deal naming customer.id is judged with the stored account."""


def _print_customer(account: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        _echo_json(account)
        return
    click.echo(f"{account['id']} (version {account['version']})")
    for name, value in account.items():
        if name not in ("id", "version"):
            click.echo(f"  {name}: {_shown(value)}")


KEEPERS = click.option(
    "--playbooks",
    "playbooks",
    default="playbooks",
    show_default=True,
    metavar="DIR",
    help="The folder of playbooks whose recorded_by fields say who records an account's "
    "fields (state_organ, largest_batch_this_year...).",
)


def _recorded_by(playbooks: str) -> dict[str, tuple[str, ...]]:
    """What the playbooks of the folder declare ``recorded_by``: without them kam cannot
    tell who may set an account's fields, so it does not guess."""
    import os

    from .app.library import Library

    if not os.path.isdir(playbooks):
        raise InputError(
            f"--playbooks {playbooks}: no such folder here: the playbooks say who records a "
            "customer account's fields; give --playbooks DIR"
        )
    return Library(playbooks).recorded_by()


@customers.command("add", epilog=STORE_EPILOG)
@click.argument("account", metavar="ACCOUNT", type=click.Path(allow_dash=True))
@BY
@KEEPERS
@DB
@FORMAT
@_guarded
def customers_add(account: str, by: str, playbooks: str, db: str | None, fmt: str) -> int:
    """Add an account from a JSON or YAML file (id, name, credit_limit, receivables...)."""
    data = _read_json(account, "account")
    recorded = _recorded_by(playbooks)
    with _store(db) as store:
        _print_customer(store.add_customer(data, by=by, recorded_by=recorded), fmt)
    return EXIT_OK


@customers.command("update", epilog=STORE_EPILOG)
@click.argument("customer_id", metavar="ID")
@click.argument("patch", metavar="PATCH")
@BY
@IF_VERSION
@KEEPERS
@DB
@FORMAT
@_guarded
def customers_update(
    customer_id: str,
    patch: str,
    by: str,
    if_version: int | None,
    playbooks: str,
    db: str | None,
    fmt: str,
) -> int:
    """Change an account with a JSON merge patch (a file, - or the JSON itself)."""
    data = _read_json(patch, "patch")
    recorded = _recorded_by(playbooks)
    with _store(db) as store:
        changed = store.update_customer(
            customer_id, data, by=by, if_version=if_version, recorded_by=recorded
        )
    _print_customer(changed, fmt)
    return EXIT_OK


@customers.command("show", epilog=STORE_EPILOG)
@click.argument("customer_id", metavar="ID")
@DB
@FORMAT
@_guarded
def customers_show(customer_id: str, db: str | None, fmt: str) -> int:
    """One account, and (as text) its history."""
    with _store(db) as store:
        account = store.get_customer(customer_id)
        history = store.customer_history(customer_id)
    _print_customer(account, fmt)
    if fmt != "json":
        click.echo("history:")
        _print_account_history(history)
    return EXIT_OK


@customers.command("history", epilog=STORE_EPILOG)
@click.argument("customer_id", metavar="ID")
@DB
@FORMAT
@_guarded
def customers_history(customer_id: str, db: str | None, fmt: str) -> int:
    """Every change of an account, oldest first: who, when, each field before and after."""
    with _store(db) as store:
        history = store.customer_history(customer_id)
    if fmt == "json":
        _echo_json(history)
    else:
        _print_account_history(history)
    return EXIT_OK


def _print_account_history(history: list[dict[str, Any]]) -> None:
    for entry in history:
        changed = "; ".join(
            f"{name} {_shown(c['before'])} -> {_shown(c['after'])}"
            for name, c in entry["changes"].items()
        )
        click.echo(
            f"{entry['seq']:>4}  {entry['at']}  {entry['actor']}  {entry['kind']}"
            f" (version {entry['version']})" + (f": {changed}" if changed else "")
        )


def _shown(value: Any) -> str:
    if isinstance(value, bool):  # as the account was written: true, not Python's True
        return "true" if value else "false"
    return "(none)" if value is None else str(value)


@customers.command("list", epilog=STORE_EPILOG)
@DB
@FORMAT
@_guarded
def customers_list(db: str | None, fmt: str) -> int:
    """Every account."""
    with _store(db) as store:
        found = store.list_customers()
    if fmt == "json":
        _echo_json(found)
    else:
        for account in found:
            click.echo(f"{account['id']}: {account.get('name', '')}")
    return EXIT_OK


# -- kam prices --------------------------------------------------------------------------------
@main.group(epilog=STORE_EPILOG)
def prices() -> None:
    """The price list: each model's list, floor and retail price, kept by pricing. A deal a
    salesperson adds takes the prices its lines leave out from here."""


def _amount_option(name: str, label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        f"--{name.replace('_', '-')}",
        name,
        metavar="AMOUNT",
        help=f"The {label} (150000 or 150000.00; none takes it away).",
    )


def _amount(flag: str, given: str) -> Any:
    import re
    from decimal import Decimal

    if given.strip().casefold() == "none":
        return None
    if not re.fullmatch(r"\d{1,18}(\.\d{1,12})?", given.strip()):
        raise InputError(
            f"--{flag} {given}: an amount of money, 0 or more, like 150000 or 150000.00 "
            "(none takes it away)"
        )
    return Decimal(given.strip())


def _print_prices(entry: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        _echo_json(entry)
        return
    shown = ", ".join(f"{k} {v}" for k, v in entry.items() if k not in ("model", "version"))
    click.echo(f"{entry['model']} (version {entry['version']}): {shown}")


@prices.command("set", epilog=STORE_EPILOG)
@click.argument("model", metavar="MODEL")
@_amount_option("list_price", "list price (指导价)")
@_amount_option("floor_price", "floor price (商务政策底价)")
@_amount_option("retail_price", "market retail price (市场零售价)")
@BY
@IF_VERSION
@DB
@FORMAT
@_guarded
def prices_set(
    model: str,
    list_price: str | None,
    floor_price: str | None,
    retail_price: str | None,
    by: str,
    if_version: int | None,
    db: str | None,
    fmt: str,
) -> int:
    """Set a model's prices (pricing or an admin); those not given stay as they are."""
    given = {"list_price": list_price, "floor_price": floor_price, "retail_price": retail_price}
    values = {
        name: _amount(name.replace("_", "-"), text)
        for name, text in given.items()
        if text is not None
    }
    if not values:
        raise InputError("give at least one of --list-price, --floor-price, --retail-price")
    with _store(db) as store:
        _print_prices(store.set_prices(model, values, by=by, if_version=if_version), fmt)
    return EXIT_OK


@prices.command("show", epilog=STORE_EPILOG)
@click.argument("model", metavar="MODEL")
@DB
@FORMAT
@_guarded
def prices_show(model: str, db: str | None, fmt: str) -> int:
    """A model's prices, and (as text) their history."""
    with _store(db) as store:
        entry = store.get_prices(model)
        history = store.price_history(model)
    _print_prices(entry, fmt)
    if fmt != "json":
        click.echo("history:")
        _print_account_history(history)
    return EXIT_OK


@prices.command("history", epilog=STORE_EPILOG)
@click.argument("model", metavar="MODEL")
@DB
@FORMAT
@_guarded
def prices_history(model: str, db: str | None, fmt: str) -> int:
    """Every change of a model's prices, oldest first: who, when, each price before and after."""
    with _store(db) as store:
        history = store.price_history(model)
    if fmt == "json":
        _echo_json(history)
    else:
        _print_account_history(history)
    return EXIT_OK


@prices.command("list", epilog=STORE_EPILOG)
@DB
@FORMAT
@_guarded
def prices_list(db: str | None, fmt: str) -> int:
    """Every model in the price list."""
    with _store(db) as store:
        found = store.price_list()
    if fmt == "json":
        _echo_json({"prices": found})
    else:
        for entry in found:
            _print_prices(entry, fmt)
    return EXIT_OK


# -- kam deals ---------------------------------------------------------------------------------
@main.group(epilog=STORE_EPILOG)
def deals() -> None:
    """Deals kept in the store, with their approvals and history."""


@deals.command("add", epilog=STORE_EPILOG)
@click.argument("deal", metavar="DEAL", type=click.Path(allow_dash=True))
@click.option(
    "--playbook",
    "-p",
    "playbook",
    required=True,
    metavar="PATH",
    type=click.Path(),
    help="The playbook file, or a folder of versions: the deal is pinned to it.",
)
@click.option("--id", "playbook_id", metavar="ID", help="With a folder: which playbook.")
@BY
@KEY
@AS_OF
@DB
@FORMAT
@_guarded
def deals_add(
    deal: str,
    playbook: str,
    playbook_id: str | None,
    by: str,
    key: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Store a new deal (JSON or YAML file, or -), pinned to the playbook in force, owned by
    --by (an admin may name another owner), at its first stage or one it could have reached."""
    import os

    from .app.library import open_playbook
    from .store import NotInForce

    when = _as_of(as_of)
    pb = open_playbook(playbook, playbook_id, None, when)
    data = _read_deal(deal)
    with _store(db) as store:
        try:
            change = store.create_deal(
                data, playbook=pb, by=by, as_of=when, source=os.path.abspath(playbook), key=key
            )
        except NotInForce as refused:
            raise _naming_the_one_in_force(refused, playbook, pb.id, when) from None
    return _print_change(change, "created", fmt)


def _naming_the_one_in_force(refused: Any, where: str, playbook_id: str, when: Any) -> Any:
    """The refusal of a version not in force, naming the version that is (from the folder
    of versions ``where`` is, or is in): what to give instead."""
    import os

    from .app.library import Library
    from .errors import KamError
    from .store import NotInForce

    folder = where if os.path.isdir(where) else os.path.dirname(where) or "."
    try:
        pb = Library(folder).pick(playbook_id, when, None)
    except KamError:  # none is in force then: the periods the refusal names say when
        return refused
    return NotInForce(
        f"{refused}. {pb.id} {pb.version} is the version in force on {when.isoformat()}: "
        "give it, or leave --version out",
        code=refused.code,
        **refused.values,
    )


deals.add_command(deals_add, name="create")


@deals.command("import", epilog=STORE_EPILOG)
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path())
@click.option(
    "--playbook",
    "-p",
    "playbook",
    required=True,
    metavar="PATH",
    type=click.Path(),
    help="The playbook file, or a folder of versions: the deals are pinned to it.",
)
@click.option("--id", "playbook_id", metavar="ID", help="With a folder: which playbook.")
@click.option("--by", "by", required=True, metavar="ADMIN", help="Who imports (role admin).")
@AS_OF
@DB
@FORMAT
@_guarded
def deals_import(
    files: tuple[str, ...],
    playbook: str,
    playbook_id: str | None,
    by: str,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Bring existing deals in WITH their stage, approvals and history (an admin only; all
    or none). The history records who imported them and each approval taken over as given."""
    import os

    from .app.library import open_playbook

    when = _as_of(as_of)
    pb = open_playbook(playbook, playbook_id, None, when)
    documents = [_read_deal(path) for path in files]  # every file read before anything is written
    with _store(db) as store:
        answers = store.import_deals(
            documents, playbook=pb, by=by, as_of=when, source=os.path.abspath(playbook)
        )
    if fmt == "json":
        _echo_json(answers)
        return EXIT_OK
    for answer in answers:
        deal = answer["deal"]
        taken = len(deal["document"].get("approvals") or [])
        click.echo(
            f"{deal['id']}: imported by {by} with {taken} approval(s) given before kam; "
            f"version 1, stage {deal['stage']}, {deal['status']}"
        )
    return EXIT_OK


@deals.command("show", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@PLAYBOOK_PINNED
@click.option("--by", "by", metavar="USER", help="Who asks (recorded with the decision).")
@AS_OF
@LANG
@DB
@FORMAT
@_guarded
def deals_show(
    deal_id: str,
    playbook: str | None,
    by: str | None,
    as_of: str | None,
    lang: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """The deal as stored, judged now; exits like kam validate (0, 1 blocked, 3 approvals)."""
    from .present.render import result_text

    with _store(db) as store:
        pb = _pinned(store, deal_id, playbook, as_of)
        who = by or _login()
        stored, result = store.evaluate(
            deal_id, playbook=pb, by=who, as_of=_as_of(as_of), lang=_lang(lang)
        )
    if fmt == "json":
        _echo_json({"deal": stored.to_dict(), "result": result.to_dict()})
    else:
        click.echo(
            f"{stored.id}: version {stored.version}, stage {stored.stage}, owner {stored.owner}, "
            f"playbook {stored.playbook_id} {stored.playbook_version}"
        )
        click.echo(result_text(result, pb.model), nl=False)
    return _status_code(result.status)


@deals.command("list", epilog=STORE_EPILOG)
@click.option("--stage", metavar="STAGE")
@click.option("--owner", metavar="USER")
@click.option("--status", metavar="STATUS")
@click.option("--category", metavar="CATEGORY")
@AS_OF
@DB
@FORMAT
@_guarded
def deals_list(
    stage: str | None,
    owner: str | None,
    status: str | None,
    category: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """The stored deals, and the weighted pipeline by stage (amount times the stage's win
    probability, as kam batch's summary; unknown amounts counted apart)."""
    from .app.library import open_playbook
    from .store.pipeline import pipelines
    from .text import fmt_money_exact, fmt_percent

    when = _as_of(as_of)
    with _store(db) as store:
        found = store.list_deals(stage=stage, owner=owner, status=status, category=category)
    totals = pipelines(
        found,
        lambda d: open_playbook(d.playbook_source, d.playbook_id, d.playbook_version, when),
        when,
    )
    if fmt == "json":
        rows = [{k: v for k, v in d.to_dict().items() if k != "document"} for d in found]
        _echo_json({"deals": rows, "pipeline": [p.to_dict() for p in totals]})
        return EXIT_OK
    for deal in found:
        amount = fmt_money_exact(deal.amount) if deal.amount is not None else "amount unknown"
        click.echo(
            f"{deal.id}  v{deal.version}  {deal.stage}  {deal.status}  {deal.owner}  {amount}"
        )
    for pipe in totals:
        click.echo(f"pipeline of {pipe.playbook_id} {pipe.playbook_version}:")
        if pipe.total is None:
            click.echo(f"  {pipe.note}")
            continue
        for row in (*pipe.stages, pipe.total):
            parts = [f"  {row.stage}: {row.deals} deal(s)"]
            if row.amount is not None:
                parts.append(f"amount {fmt_money_exact(row.amount)}")
            if row.win_probability is not None:
                parts.append(f"win {fmt_percent(row.win_probability)}")
            if row.weighted is not None:
                parts.append(f"weighted {fmt_money_exact(row.weighted)}")
            if row.amount_unknown:
                parts.append(f"{row.amount_unknown} amount(s) unknown, not counted")
            click.echo(", ".join(parts))
    return EXIT_OK


@deals.command("update", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@click.argument("patch", metavar="PATCH")
@BY
@click.option(
    "--if-version",
    "if_version",
    type=int,
    required=True,
    metavar="N",
    help="The version you read: refused (exit 6) if it has changed since.",
)
@KEY
@PLAYBOOK_PINNED
@AS_OF
@DB
@FORMAT
@_guarded
def deals_update(
    deal_id: str,
    patch: str,
    by: str,
    if_version: int,
    key: str | None,
    playbook: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Change a deal with a JSON merge patch (a file, - or the JSON itself). Its stage,
    approvals and history change only through advance and approve."""
    data = _read_json(patch, "patch")
    with _store(db) as store:
        pb = _pinned(store, deal_id, playbook, as_of)
        change = store.update_deal(
            deal_id,
            data,
            playbook=pb,
            by=by,
            as_of=_as_of(as_of),
            if_version=if_version,
            key=key,
        )
    return _print_change(change, "updated", fmt)


@deals.command("advance", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@click.option("--to", "to", required=True, metavar="STAGE", help="The stage to move to.")
@BY
@IF_VERSION
@KEY
@PLAYBOOK_PINNED
@AS_OF
@DB
@FORMAT
@_guarded
def deals_advance(
    deal_id: str,
    to: str,
    by: str,
    if_version: int | None,
    key: str | None,
    playbook: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Move a stored deal to another stage, if the playbook's guards allow it."""
    with _store(db) as store:
        pb = _pinned(store, deal_id, playbook, as_of)
        change = store.advance_deal(
            deal_id, to=to, playbook=pb, by=by, as_of=_as_of(as_of), if_version=if_version, key=key
        )
    return _print_change(change, f"moved to {to}", fmt)


@deals.command("check", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@BY
@IF_VERSION
@KEY
@PLAYBOOK_PINNED
@AS_OF
@DB
@FORMAT
@_guarded
def deals_check(
    deal_id: str,
    by: str,
    if_version: int | None,
    key: str | None,
    playbook: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Judge a stored deal again and put it on record (an 'evaluated' event: a status that
    changed with the date or the customer's account shows in its history)."""
    with _store(db) as store:
        pb = _pinned(store, deal_id, playbook, as_of)
        change = store.check_deal(
            deal_id, playbook=pb, by=by, as_of=_as_of(as_of), if_version=if_version, key=key
        )
    return _print_change(change, "evaluated", fmt)


@deals.command("repin", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@click.option(
    "--version",
    "version",
    metavar="V",
    help="The version to pin to (default: the one in force on --as-of).",
)
@click.option(
    "--playbook",
    "-p",
    "playbook",
    metavar="PATH",
    type=click.Path(),
    help="A playbook file, or the folder of its versions (default: the folder of the one the "
    "deal is pinned to).",
)
@BY
@click.option(
    "--if-version",
    "if_version",
    type=int,
    required=True,
    metavar="N",
    help="The version you read: refused (exit 6) if it has changed since.",
)
@KEY
@AS_OF
@DB
@FORMAT
@_guarded
def deals_repin(
    deal_id: str,
    version: str | None,
    playbook: str | None,
    by: str,
    if_version: int,
    key: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Move a stored deal to a newer (or the named) version of its playbook and judge it by
    that version (an admin's act); approvals keep their basis and go stale where the new rules
    ask more."""
    import os

    from .app.library import open_playbook
    from .store import NotInForce

    when = _as_of(as_of)
    with _store(db) as store:
        stored = store.get_deal(deal_id)
        where = playbook or stored.playbook_source
        if not playbook and not os.path.isdir(where):
            where = os.path.dirname(where)  # its versions sit beside it
        pb = open_playbook(where, stored.playbook_id, version, when)
        try:
            change = store.repin_deal(
                deal_id,
                playbook=pb,
                by=by,
                as_of=when,
                if_version=if_version,
                source=os.path.abspath(pb.file),
                key=key,
            )
        except NotInForce as refused:
            raise _naming_the_one_in_force(refused, where, pb.id, when) from None
    return _print_change(change, f"pinned to {pb.id} {pb.version}", fmt)


def _decide(
    deal_id: str,
    role: str,
    decision: str,
    reason: str | None,
    by: str,
    if_version: int | None,
    key: str | None,
    playbook: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    with _store(db) as store:
        pb = _pinned(store, deal_id, playbook, as_of)
        change = store.decide_approval(
            deal_id,
            role=role,
            decision=decision,
            reason=reason,
            playbook=pb,
            by=by,
            as_of=_as_of(as_of),
            if_version=if_version,
            key=key,
        )
    return _print_change(change, f"{decision} as {role} by {by}", fmt)


ROLE = click.option("--role", "role", required=True, metavar="ROLE", help="The role decided for.")
REASON = click.option("--reason", "reason", metavar="TEXT", help="Why (needed to reject).")


@deals.command("approve", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@ROLE
@BY
@click.option("--reject", is_flag=True, help="Reject instead of approve (needs --reason).")
@REASON
@IF_VERSION
@KEY
@PLAYBOOK_PINNED
@AS_OF
@DB
@FORMAT
@_guarded
def deals_approve(
    deal_id: str,
    role: str,
    by: str,
    reject: bool,
    reason: str | None,
    if_version: int | None,
    key: str | None,
    playbook: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Approve a deal for a role you hold (never your own deal)."""
    decision = "rejected" if reject else "approved"
    return _decide(deal_id, role, decision, reason, by, if_version, key, playbook, as_of, db, fmt)


@deals.command("reject", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@ROLE
@BY
@click.option("--reason", "reason", required=True, metavar="TEXT", help="Why: the owner reads it.")
@IF_VERSION
@KEY
@PLAYBOOK_PINNED
@AS_OF
@DB
@FORMAT
@_guarded
def deals_reject(
    deal_id: str,
    role: str,
    by: str,
    reason: str,
    if_version: int | None,
    key: str | None,
    playbook: str | None,
    as_of: str | None,
    db: str | None,
    fmt: str,
) -> int:
    """Reject a deal for a role you hold, with the reason (the same as approve --reject)."""
    return _decide(deal_id, role, "rejected", reason, by, if_version, key, playbook, as_of, db, fmt)


@deals.command("history", epilog=STORE_EPILOG)
@click.argument("deal_id", metavar="ID")
@DB
@FORMAT
@_guarded
def deals_history(deal_id: str, db: str | None, fmt: str) -> int:
    """Every change of a deal, oldest first: who, when, what, and the status after it."""
    from .store import NotFound

    with _store(db) as store:
        refused = store.refusals(deal_id)  # NotFound: neither a deal nor a refused attempt
        try:
            found = store.history(deal_id)
        except NotFound:  # refused at its creation: what was refused is all there is
            found = []
    # a refusal sits after the event that made the version it was refused at
    merged = sorted(
        [*found, *refused],
        key=lambda e: (e["deal_version"], 1) if e.get("refused") else (e["seq"], 0),
    )
    if fmt == "json":
        _echo_json(merged)
        return EXIT_OK
    for event in merged:
        if event.get("refused"):
            click.echo(
                f"   x  {event['at']}  {event['actor']}  REFUSED {event['command']} "
                f"(at version {event['deal_version']}): {event['message']}"
            )
            continue
        click.echo(
            f"{event['seq']:>4}  {event['at']}  {event['actor']}  {event['kind']}"
            f"{_event_detail(event)}  -> {event['summary']['status']}"
        )
    return EXIT_OK


def _event_detail(event: dict[str, Any]) -> str:
    data = event["data"]
    if event["kind"] == "advanced":
        return f" {data['from']} -> {data['to']}"
    if event["kind"] in ("approved", "rejected"):
        approval = data["approval"]
        comment = f" ({approval['comment']})" if approval.get("comment") else ""
        return f" {approval['role']}{comment}"
    if event["kind"] == "updated":
        return f" {', '.join(sorted(data['patch']))}"
    if event["kind"] == "evaluated":
        return f" as of {data['as_of']}: {data['status_before']}"
    if event["kind"] == "repinned":
        return f" {data['from']['version']} -> {data['to']['version']}"
    if event["kind"] == "imported":
        given = [
            f"{a.get('role')} by {a.get('by')} on {a.get('on')}"
            for a in data["taken_over"]["approvals"]
        ]
        before = f"; taken over as given before kam: {', '.join(given)}" if given else ""
        return f" at {data['document'].get('stage')}{before}"
    return f" at {data['document'].get('stage')}"


# -- kam decisions -----------------------------------------------------------------------------
@main.group(epilog=STORE_EPILOG)
def decisions() -> None:
    """Every evaluation made through the store, for audit."""


@decisions.command("export", epilog=STORE_EPILOG)
@click.option(
    "--since",
    "since",
    metavar="WHEN",
    help="Only decisions at or after this date or time (YYYY-MM-DD or ISO 8601; UTC if no zone).",
)
@DB
@_guarded
def decisions_export(since: str | None, db: str | None, fmt: str = "text") -> int:
    """Print the decisions as JSON lines, oldest first: > decisions.jsonl."""
    from .jsontext import to_json_line

    start = _since(since)
    with _store(db) as store:
        for decision in store.decisions_since(start):
            click.echo(to_json_line(decision), nl=False)
    return EXIT_OK


# -- kam playbooks: versions saved from the console's editor, and their review ------------------
@main.group(epilog=STORE_EPILOG)
def playbooks() -> None:
    """Playbook versions saved from the console: each is proposed until a second playbook
    editor (or an admin), not its author, approves it; only then is it in force."""


@playbooks.command("list", epilog=STORE_EPILOG)
@click.option("--id", "playbook_id", metavar="ID", help="Only this playbook's versions.")
@click.option("--awaiting", is_flag=True, help="Only the versions awaiting review.")
@DB
@FORMAT
@_guarded
def playbooks_list(playbook_id: str | None, awaiting: bool, db: str | None, fmt: str) -> int:
    """The saved versions, oldest first: who saved each, its hash, and its review."""
    from .store import saved_versions

    with _store(db) as store:
        found = [
            v
            for v in saved_versions(store)
            if (playbook_id is None or v.playbook_id == playbook_id)
            and (not awaiting or v.state == "proposed")
        ]
    if fmt == "json":
        _echo_json([_saved_doc(v) for v in found])
        return EXIT_OK
    for v in found:
        click.echo(
            f"{v.playbook_id} {v.version} from {v.effective_from.isoformat()}: {v.state}; "
            f"saved by {v.saved_by} at {v.saved_at}; hash {v.hash[:12]}"
        )
        if v.review is not None:
            why = f": {v.review.reason}" if v.review.reason else ""
            click.echo(f"  {v.review.decision} by {v.review.by} at {v.review.at}{why}")
    if not found:
        click.echo("no saved playbook version" + (" awaiting review" if awaiting else ""))
    return EXIT_OK


def _saved_doc(v: Any) -> dict[str, Any]:
    r = v.review
    return {
        "playbook": v.playbook_id,
        "version": v.version,
        "effective_from": v.effective_from.isoformat(),
        "hash": v.hash,
        "state": v.state,
        "saved_by": v.saved_by,
        "saved_at": v.saved_at,
        "review": None
        if r is None
        else {
            "decision": r.decision,
            "by": r.by,
            "at": r.at,
            "reason": r.reason,
        },
    }


HASH = click.option(
    "--hash",
    "content_hash",
    required=True,
    metavar="HASH",
    help="The hash of the version you reviewed (kam playbooks list; its first 12 characters "
    "will do): refused if it is not the saved version's.",
)


def _review(
    playbook_id: str, version: str, content_hash: str, by: str, decision: str, reason: str,
    db: str | None, fmt: str,
) -> int:  # fmt: skip
    from .store import review_version, saved_versions

    with _store(db) as store:
        full = content_hash
        for v in saved_versions(store):  # a prefix of 12 or more names the hash it begins
            same = (v.playbook_id, v.version) == (playbook_id, version)
            if same and len(content_hash) >= 12 and v.hash.startswith(content_hash.lower()):
                full = v.hash
        done = review_version(
            store,
            playbook_id=playbook_id,
            version=version,
            content_hash=full,
            by=by,
            decision=decision,
            reason=reason,
        )
    if fmt == "json":
        _echo_json(_saved_doc(done))
    elif decision == "approved":
        click.echo(
            f"approved {playbook_id} {version} ({done.hash[:12]}): in force from "
            f"{done.effective_from.isoformat()}"
        )
    else:
        click.echo(f"declined {playbook_id} {version} ({done.hash[:12]}): it never takes force")
    return EXIT_OK


@playbooks.command("approve", epilog=STORE_EPILOG)
@click.argument("playbook_id", metavar="ID")
@click.argument("version", metavar="VERSION")
@HASH
@BY
@DB
@FORMAT
@_guarded
def playbooks_approve(
    playbook_id: str, version: str, content_hash: str, by: str, db: str | None, fmt: str
) -> int:
    """Approve a saved version as its second reviewer: it takes force from its start."""
    return _review(playbook_id, version, content_hash, by, "approved", "", db, fmt)


@playbooks.command("decline", epilog=STORE_EPILOG)
@click.argument("playbook_id", metavar="ID")
@click.argument("version", metavar="VERSION")
@HASH
@click.option(
    "--reason", "reason", required=True, metavar="TEXT", help="Why (its author reads it)."
)
@BY
@DB
@FORMAT
@_guarded
def playbooks_decline(
    playbook_id: str, version: str, content_hash: str, reason: str, by: str, db: str | None,
    fmt: str,
) -> int:  # fmt: skip
    """Decline a saved version, saying why: it never takes force (its label stays used)."""
    return _review(playbook_id, version, content_hash, by, "declined", reason, db, fmt)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--since: '{value}' is not a date or time (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
