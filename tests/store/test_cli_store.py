"""The store's commands, in-process: the README's walk-through, exit codes (6 for a stale
version, a reused key or an id already stored), JSON output, and a clear line instead of a traceback for bad input."""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from engine.cli import main
from engine.store.migrate import HEAD

from ..conftest import AUTO_DEALER, PLAYBOOKS, ROOT
from .conftest import a_store_url
from .test_store import without_company_data

NEEDS_APPROVALS = PLAYBOOKS / "examples" / "needs-approvals.json"
DAY = ["--as-of", "2026-03-02"]


@pytest.fixture(params=["sqlite"])
def cli_url(request, tmp_path, sqlite_template, pg_session):
    """The store the commands use: SQLite, and PostgreSQL too where a test asks for it (the
    store itself is tested on both in test_store.py; here the commands are)."""
    return a_store_url(request.param, tmp_path, sqlite_template, pg_session)


@pytest.fixture
def kam(runner, cli_url):
    """``kam ARGS...`` against this test's store; returns click's result."""
    store_url = cli_url

    def run(*args, input=None):
        return runner.invoke(main, [*map(str, args), "--db", store_url], input=input)

    return run


@pytest.fixture
def people(kam):
    for name, roles in {
        "li.na": ["key_account_specialist"],
        "fin": ["supervisor"],
        "gm": ["general_manager", "marketing_director", "manufacturer"],
        "chief": ["admin"],
        "desk": ["admin"],  # brings deals in for their owners, with their company data
    }.items():
        assert kam("users", "add", name, *[f"--role={r}" for r in roles]).exit_code == 0


@pytest.fixture
def stored(kam, people, tmp_path):
    """The README's example deal, stored for li.na without the approvals it was written with:
    brought in by an admin, as it waits on approvals at negotiation (its owner could not have
    created it there: no move lets a deal past a pending approval) and carries the price list's
    prices and credit terms, not li.na's to bring."""
    deal = json.loads(NEEDS_APPROVALS.read_text(encoding="utf-8"))
    deal.pop("approvals")
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(deal), encoding="utf-8")
    result = kam("deals", "add", path, "-p", AUTO_DEALER, "--by", "chief", *DAY)
    assert result.exit_code == 0, result.output
    return "DE-2026-031"


@pytest.mark.parametrize("cli_url", ["sqlite", "postgresql"], indirect=True)
def test_the_walk_through(kam, stored):
    for role in ("supervisor", "manufacturer", "marketing_director", "general_manager"):
        by = "fin" if role == "supervisor" else "gm"
        result = kam("deals", "approve", stored, "--role", role, "--by", by, *DAY)
        assert result.exit_code == 0, result.output
        assert f"approved as {role} by {by}" in result.output
    moved = kam("deals", "advance", stored, "--to", "closing", "--by", "li.na", *DAY)
    assert moved.exit_code == 0, moved.output
    assert "DE-2026-031: moved to closing; version 6, stage closing, ok" in moved.output
    history = kam("deals", "history", stored)
    lines = history.output.splitlines()
    assert [line.split()[3] for line in lines] == ["created"] + ["approved"] * 4 + ["advanced"]
    assert lines[-1].endswith("advanced negotiation -> closing  -> ok")
    assert kam("db", "verify").output == "the store is sound\n"


def test_show_judges_the_stored_deal_and_exits_like_validate(kam, stored):
    result = kam("deals", "show", stored, *DAY)
    assert result.exit_code == 3  # needs approval, as kam validate says
    assert result.output.startswith("DE-2026-031: version 1, stage negotiation, owner li.na")
    assert "NEEDS APPROVAL" in result.output
    as_json = json.loads(kam("deals", "show", stored, *DAY, "--format", "json").output)
    assert as_json["deal"]["version"] == 1
    assert as_json["result"]["status"] == "needs_approval"


def test_a_stale_version_exits_6_and_changes_nothing(kam, stored):
    assert kam("deals", "update", stored, '{"lost_reason": "x"}', "--by", "li.na",
               "--if-version", "1", *DAY).exit_code == 0  # fmt: skip
    stale = kam("deals", "update", stored, '{"lost_reason": "y"}', "--by", "li.na",
                "--if-version", "1", *DAY)  # fmt: skip
    assert stale.exit_code == 6
    assert "is at version 2, not 1" in stale.output
    shown = json.loads(kam("deals", "show", stored, *DAY, "--format", "json").output)
    assert shown["deal"]["document"]["lost_reason"] == "x"


def test_a_reused_key_exits_6_and_a_repeat_answers_once(kam, stored):
    args = ["deals", "approve", stored, "--role", "supervisor", "--by", "fin", "--key", "k1", *DAY]
    first = kam(*args, "--format", "json")
    again = kam(*args, "--format", "json")
    assert first.exit_code == again.exit_code == 0
    assert json.loads(again.output)["replayed"] is True
    assert json.loads(again.output)["deal"] == json.loads(first.output)["deal"]
    other = kam("deals", "approve", stored, "--role", "supervisor", "--by", "fin", "--key", "k1",
                "--reject", "--reason", "no", *DAY)  # fmt: skip
    assert other.exit_code == 6
    assert "idempotency key k1 was used by fin for a different request" in other.output
    assert len(json.loads(kam("deals", "history", stored, "--format", "json").output)) == 2


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["deals", "show", "NOPE"], 2, "no deal NOPE in the store"),
        (["deals", "advance", "DE-2026-031", "--to", "heaven", "--by", "li.na"], 1,
         "'heaven' is not a stage of this playbook"),
        (["deals", "update", "DE-2026-031", '{"stage": "closing"}', "--by", "li.na",
          "--if-version", "1"], 1, "a patch cannot set 'stage'"),
        (["deals", "update", "DE-2026-031", "{not json", "--by", "li.na", "--if-version", "1"],
         2, "patch"),
        (["deals", "approve", "DE-2026-031", "--role", "supervisor", "--by", "li.na"], 1,
         "li.na does not hold the role supervisor"),
        (["deals", "reject", "DE-2026-031", "--role", "supervisor", "--by", "fin", "--reason", " "],
         2, "a rejection needs a reason"),
        (["deals", "approve", "DE-2026-031", "--role", "supervisor", "--by", "nobody"], 2,
         "no user nobody in the store"),
        (["decisions", "export", "--since", "yesterday"], 2, "is not a date or time"),
    ],
)  # fmt: skip
def test_bad_input_gets_one_clear_line(kam, stored, args, code, says):
    result = kam(*args, *DAY) if args[0] == "deals" else kam(*args)
    assert result.exit_code == code, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    history = json.loads(kam("deals", "history", stored, "--format", "json").output)
    assert len([e for e in history if not e.get("refused")]) == 1  # no change: only "created"


def test_errors_in_json_are_json(kam, stored):
    result = kam("deals", "show", "NOPE", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "error": "not_found",
        "message": "no deal NOPE in the store",
    }


def test_rejecting_is_recorded_and_shown_in_history(kam, stored):
    result = kam("deals", "reject", stored, "--role", "supervisor", "--by", "fin",
                 "--reason", "over the limit", *DAY)  # fmt: skip
    assert result.exit_code == 0, result.output
    last = kam("deals", "history", stored).output.splitlines()[-1]
    assert "fin  rejected supervisor (over the limit)" in last


def test_customers_and_decisions(kam, people, tmp_path):
    account = tmp_path / "c.json"
    account.write_text('{"id": "C-1", "name": "Tianjin Port", "credit_limit": 1234567890123456.78}')
    assert kam("customers", "add", account, "--by", "fin").exit_code == 0
    shown = json.loads(kam("customers", "show", "C-1", "--format", "json").output)
    assert shown["credit_limit"] == 1234567890123456.78 or str(shown["credit_limit"]) == (
        "1234567890123456.78"
    )
    assert "1234567890123456.78" in kam("customers", "show", "C-1").output
    updated = kam("customers", "update", "C-1", '{"receivables": 0.0001}', "--by", "fin",
                  "--if-version", "1")  # fmt: skip
    assert updated.exit_code == 0, updated.output
    assert "receivables: 0.0001" in updated.output
    assert kam("customers", "list").output == "C-1: Tianjin Port\n"
    assert kam("decisions", "export").output == ""


def test_decisions_export_writes_json_lines(kam, stored):
    kam("deals", "show", stored, "--by", "fin", *DAY)
    lines = kam("decisions", "export", "--since", "2000-01-01").output.splitlines()
    assert [json.loads(line)["actor"] for line in lines] == ["chief", "fin"]
    assert kam("decisions", "export", "--since", "2999-01-01T00:00:00+08:00").output == ""


def test_users_and_tokens(kam, people):
    assert "gm: general_manager, manufacturer, marketing_director" in kam("users", "list").output
    token = kam("users", "token", "fin").output.strip()
    assert token.startswith("kam_")
    assert kam("users", "add", "fin").exit_code == 6  # already stored: a conflict


def test_db_upgrade_and_status(kam):
    assert kam("db", "upgrade").output == f"the store is current (schema {HEAD})\n"
    status = kam("db", "status", "--format", "json")
    assert json.loads(status.output) == {"revision": HEAD, "head": HEAD, "state": "current"}


def test_a_new_sqlite_store_is_made_by_upgrade(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert runner.invoke(main, ["db", "status", "--db", url]).exit_code == 1
    result = runner.invoke(main, ["db", "upgrade", "--db", url])
    assert result.output == f"the store's schema: none -> {HEAD}\n"


def test_kam_db_in_the_environment_names_the_store(runner, cli_url, people):
    result = runner.invoke(main, ["users", "list"], env={"KAM_DB": cli_url})
    assert "li.na" in result.output


def test_deals_list_shows_the_weighted_pipeline_by_stage(kam, stored):
    listed = kam("deals", "list", *DAY)
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        "DE-2026-031  v1  negotiation  needs_approval  li.na  984,000.00",
        "pipeline of auto-dealer 2026.1:",
        "  negotiation: 1 deal(s), amount 984,000.00, win 30%, weighted 295,200.00",
        "  total: 1 deal(s), amount 984,000.00, weighted 295,200.00",
    ]
    as_json = json.loads(kam("deals", "list", *DAY, "--format", "json").output)
    (pipe,) = as_json["pipeline"]
    assert pipe["total"]["weighted"] == 295200
    assert pipe["stages"][0]["win_probability"] == 0.3
    assert json.loads(kam("deals", "list", "--stage", "closing", "--format", "json").output) == {
        "deals": [],
        "pipeline": [],
    }
    for other in ("system_purchasing", "direct_enterprise"):
        filtered = json.loads(kam("deals", "list", "--category", other, "--format", "json").output)
        assert len(filtered["deals"]) == (other == "direct_enterprise")


def test_the_readme_walk_through_runs(runner, tmp_path, monkeypatch):
    """Every line of the README's store walk-through, in order, from a copy of the repository's
    files, on a new kam.db: each exits 0 and the last says the store is sound."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- store walk-through -->\n```sh\n", 1)[1].split("```", 1)[0]
    shutil.copytree(ROOT / "docs" / "store", tmp_path / "docs" / "store")
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KAM_DB", raising=False)
    output = ""
    for line in block.splitlines():
        args = shlex.split(line)
        assert args[0] == "kam"
        result = runner.invoke(main, args[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
        output = result.output
    assert output == "the store is sound\n"
    assert (tmp_path / "kam.db").exists()


def test_repin_moves_a_deal_to_the_version_in_force_or_the_named_one(kam, stored):
    owner = kam("deals", "repin", stored, "--by", "li.na", "--if-version", "1", *DAY)
    assert owner.exit_code == 1  # which rules govern a deal in flight is not its owner's call
    assert "li.na cannot re-pin deal DE-2026-031" in owner.output
    assert "is an admin's act" in owner.output
    stale = kam("deals", "repin", stored, "--by", "chief", "--if-version", "9", *DAY)
    assert stale.exit_code == 6, stale.output
    same = kam("deals", "repin", stored, "--by", "chief", "--if-version", "1", *DAY)
    assert same.exit_code == 1
    assert "already pinned to auto-dealer 2026.1" in same.output
    unknown = kam(
        "deals", "repin", stored, "--version", "2031.9", "--by", "chief", "--if-version", "1", *DAY
    )
    assert unknown.exit_code == 2
    assert "auto-dealer has no version '2031.9' (versions: 2026.1, 2026.2)" in unknown.output
    # a version not in force on the day is the asker's mistake (exit 2), naming the one that is
    early = kam(
        "deals", "repin", stored, "--version", "2026.2", "--by", "li.na", "--if-version", "1", *DAY
    )
    assert early.exit_code == 2, early.output
    assert "auto-dealer 2026.2 is in force from 2026-07-01" in early.output
    assert "auto-dealer 2026.1 is the version in force on 2026-03-02: give it" in early.output
    moved = kam(
        "deals", "repin", stored, "--by", "chief", "--if-version", "1", "--as-of", "2026-07-02"
    )
    assert moved.exit_code == 0, moved.output
    assert "DE-2026-031: pinned to auto-dealer 2026.2; version 2" in moved.output
    history = kam("deals", "history", stored).output.splitlines()
    assert history[-1].split()[3:6] == ["repinned", "2026.1", "->"]
    assert kam("db", "verify").output == "the store is sound\n"


def test_a_new_deal_on_a_version_not_in_force_exits_2_naming_the_one_in_force(kam, people):
    deal = {"id": "D-1", "category": "direct_enterprise", "stage": "negotiation",
            "owner": "li.na"}  # fmt: skip
    later = PLAYBOOKS / "auto-dealer-2026-2.yaml"
    refused = kam("deals", "add", "-", "-p", later, "--by", "li.na", *DAY, input=json.dumps(deal))
    assert refused.exit_code == 2, refused.output
    assert "not on 2026-03-02" in refused.output
    assert "auto-dealer 2026.1 is the version in force on 2026-03-02" in refused.output
    assert kam("deals", "list").output.strip() == ""  # nothing stored


def test_a_deal_with_approvals_is_refused_by_add_and_taken_in_by_an_admin_import(kam, people):
    refused = kam("deals", "add", NEEDS_APPROVALS, "-p", AUTO_DEALER, "--by", "li.na", *DAY)
    assert refused.exit_code == 1
    assert "Drop them to start the deal here" in refused.output
    assert "kam deals import FILE --by ADMIN" in refused.output
    not_admin = kam("deals", "import", NEEDS_APPROVALS, "-p", AUTO_DEALER, "--by", "gm", *DAY)
    assert not_admin.exit_code == 1
    assert "gm does not hold the role admin" in not_admin.output
    assert kam("users", "add", "chen", "--role", "admin").exit_code == 0
    done = kam("deals", "import", NEEDS_APPROVALS, "-p", AUTO_DEALER, "--by", "chen", *DAY)
    assert done.exit_code == 0, done.output
    assert done.output == (
        "DE-2026-031: imported by chen with 2 approval(s) given before kam; "
        "version 1, stage negotiation, needs_approval\n"
    )
    (line,) = kam("deals", "history", "DE-2026-031").output.splitlines()
    assert "chen  imported at negotiation; taken over as given before kam: manufacturer by " \
        "faw.region.north on 2026-02-26, supervisor by li.na on 2026-02-27" in line  # fmt: skip
    again = kam("deals", "import", NEEDS_APPROVALS, "-p", AUTO_DEALER, "--by", "chen", *DAY)
    assert again.exit_code == 6
    assert "already in the store" in again.output


def test_check_records_an_evaluated_event(kam, stored):
    checked = kam("deals", "check", stored, "--by", "fin", *DAY)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("DE-2026-031: evaluated; version 2, stage negotiation")
    line = kam("deals", "history", stored).output.splitlines()[-1]
    assert line.split()[2:] == [
        "fin", "evaluated", "as", "of", "2026-03-02:", "needs_approval", "->", "needs_approval"
    ]  # fmt: skip
    assert kam("db", "verify").output == "the store is sound\n"


def test_history_shows_refused_attempts_marked_as_refused(kam, stored):
    refused = kam("deals", "advance", stored, "--to", "closing", "--by", "li.na", *DAY)
    assert refused.exit_code == 1
    assert (
        kam("deals", "approve", stored, "--role", "supervisor", "--by", "fin", *DAY).exit_code == 0
    )
    lines = kam("deals", "history", stored).output.splitlines()
    assert [line.split()[3] for line in lines] == ["created", "REFUSED", "approved"]
    assert "li.na  REFUSED advance (at version 1): deal DE-2026-031: cannot move" in lines[1]
    as_json = json.loads(kam("deals", "history", stored, "--format", "json").output)
    assert [e.get("refused", False) for e in as_json] == [False, True, False]


def test_a_disabled_user_cannot_approve(kam, stored):
    disabled = kam("users", "disable", "fin")
    assert disabled.exit_code == 0
    assert disabled.output == "disabled fin: their tokens and approvals are refused from now on\n"
    refused = kam("deals", "approve", stored, "--role", "supervisor", "--by", "fin", *DAY)
    assert refused.exit_code == 1
    assert "user fin is not active" in refused.output
    assert "fin: supervisor (inactive)" in kam("users", "list").output
    assert kam("users", "disable", "nobody").exit_code == 2


def test_customer_field_errors_name_their_json_path(kam, people, tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text('{"id": "C-9", "credit_limit": -1, "class": 3}', encoding="utf-8")
    result = kam("customers", "add", bad, "--by", "fin")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "customer C-9: $.class: must be text",
        "customer C-9: $.credit_limit: must be an amount of money, 0 or more",
        "customer C-9: $.name: is required: the account's name, as on its contracts",
    ]


# -- issue 10's review: company data, roles and user names -------------------------------


def test_the_owner_raising_a_list_price_is_refused_and_the_approvals_stay(kam, stored):
    before = json.loads(kam("deals", "show", stored, *DAY, "--format", "json").output)
    needed = {a["role"] for a in before["result"]["approvals"] if a["status"] != "granted"}
    assert needed  # the example needs approvals
    line = {**before["deal"]["document"]["lines"][0], "list_price": 250000}
    refused = kam("deals", "update", stored, json.dumps({"lines": [line]}), "--by", "li.na",
                  "--if-version", "1", *DAY)  # fmt: skip
    assert refused.exit_code == 1
    assert "li.na owns deal DE-2026-031 and cannot change the company's data" in refused.output
    assert "$.lines[0].list_price" in refused.output
    assert "Traceback" not in refused.output
    after = json.loads(kam("deals", "show", stored, *DAY, "--format", "json").output)
    assert after["deal"]["version"] == 1
    assert {a["role"] for a in after["result"]["approvals"] if a["status"] != "granted"} == needed
    # the owner's own price is theirs to change
    mine = {**before["deal"]["document"]["lines"][0], "unit_price": 140000}
    assert kam("deals", "update", stored, json.dumps({"lines": [mine]}), "--by", "li.na",
               "--if-version", "1", *DAY).exit_code in (0, 3)  # fmt: skip


def test_a_role_no_playbook_or_store_knows_is_refused_and_the_roles_named(kam):
    refused = kam("users", "add", "wu", "--role", "not a role")
    assert refused.exit_code == 2
    assert "neither a playbook nor the store knows this role" in refused.output
    assert "key_account_specialist" in refused.output
    assert "pricing" in refused.output
    typo = kam("users", "add", "wu", "--role", "general_manger")
    assert "did you mean 'general_manager'?" in typo.output
    assert json.loads(kam("users", "list", "--format", "json").output) == []
    assert (
        kam("users", "add", "wu", "--role", "general_manager", "--role", "pricing").exit_code == 0
    )


def test_without_a_playbook_folder_only_the_stores_roles_are_known(kam, tmp_path):
    missing = tmp_path / "none"
    refused = kam("users", "add", "wu", "--role", "general_manager", "--playbooks", missing)
    assert refused.exit_code == 2
    assert "give --playbooks DIR" in refused.output
    assert kam("users", "add", "wu", "--role", "admin", "--playbooks", missing).exit_code == 0


def test_a_user_whose_name_is_another_users_as_people_compare_names_is_refused(kam):
    assert kam("users", "add", "li.na", "--role", "key_account_specialist").exit_code == 0
    for clash in ("LI.NA", " li.na", "lі.na"):  # the last with a Cyrillic i
        refused = kam("users", "add", clash, "--role", "general_manager")
        assert refused.exit_code == 6, (clash, refused.output)
        assert "user li.na already exists" in refused.output
    # and the one user is found however the name is written
    token = kam("users", "token", "LI.NA", "--format", "json")
    assert json.loads(token.output)["user"] == "LI.NA"
    assert [u["name"] for u in json.loads(kam("users", "list", "--format", "json").output)] == [
        "li.na"
    ]


def test_an_accounts_history_is_shown_with_each_change_before_and_after(kam, people, tmp_path):
    account = tmp_path / "c.json"
    account.write_text('{"id": "C-1", "name": "Tianjin Port"}', encoding="utf-8")
    assert kam("customers", "add", account, "--by", "li.na").exit_code == 0
    limit = '{"credit_limit": 3000000.00, "credit_limit_approved_by": "fin"}'
    assert kam("customers", "update", "C-1", limit, "--by", "fin").exit_code == 0
    raised = kam("customers", "update", "C-1", '{"credit_limit": 3500000}', "--by", "fin")
    assert raised.exit_code == 0
    lines = kam("customers", "history", "C-1").output.splitlines()
    assert len(lines) == 3
    assert "li.na  created (version 1): name (none) -> Tianjin Port" in lines[0]
    assert lines[2].endswith("fin  updated (version 3): credit_limit 3000000.00 -> 3500000")
    shown = kam("customers", "show", "C-1").output
    assert "history:" in shown
    assert "credit_limit 3000000.00 -> 3500000" in shown
    as_json = json.loads(kam("customers", "history", "C-1", "--format", "json").output)
    assert [e["actor"] for e in as_json] == ["li.na", "fin", "fin"]
    assert kam("db", "verify").exit_code == 0


def test_a_nameless_account_is_refused_by_the_command_line_too(kam, people, tmp_path):
    empty = tmp_path / "c.json"
    empty.write_text('{"id": "C-1"}', encoding="utf-8")
    refused = kam("customers", "add", empty, "--by", "fin")
    assert refused.exit_code == 2
    assert "$.name: is required" in refused.output
    assert kam("customers", "list").output == ""


def test_a_playbook_version_that_does_not_exist_is_named_with_those_that_do(kam, stored):
    repin = kam("deals", "repin", stored, "--version", "1999.9", "--by", "li.na",
                "--if-version", "1", *DAY)  # fmt: skip
    assert repin.exit_code == 2
    assert "auto-dealer has no version '1999.9' (versions: 2026.1, 2026.2)" in repin.output


# -- kam playbooks: a saved version reviewed by a second editor ---------------------------------
@pytest.fixture
def proposal(kam, cli_url):
    """sun.min saved key-account-office 2026.2 (as the console's editor does): proposed."""
    from datetime import date

    from engine.store import open_store, save_version

    for name, role in (("sun.min", "playbook_editor"), ("qian.li", "playbook_editor")):
        assert kam("users", "add", name, f"--role={role}").exit_code == 0
    with open_store(cli_url) as store:
        saved = save_version(
            store,
            playbook_id="key-account-office",
            version="2026.2",
            effective_from=date(2026, 4, 1),
            text='kam: 1\nid: key-account-office\nversion: "2026.2"\n',
            content_hash="ab" * 32,
            by="sun.min",
        )
    return saved


def test_kam_playbooks_list_shows_what_awaits_review(kam, proposal):
    listed = kam("playbooks", "list")
    assert listed.exit_code == 0, listed.output
    assert "key-account-office 2026.2 from 2026-04-01: proposed; saved by sun.min" in listed.output
    assert "hash abababababab" in listed.output
    (doc,) = json.loads(kam("playbooks", "list", "--awaiting", "--format", "json").output)
    assert (doc["state"], doc["review"], doc["hash"]) == ("proposed", None, "ab" * 32)
    assert "no saved playbook version" in kam("playbooks", "list", "--id", "auto-dealer").output


def test_kam_playbooks_approve_by_a_second_editor_with_the_hash_reviewed(kam, proposal):
    own = kam("playbooks", "approve", "key-account-office", "2026.2", "--hash", "ab" * 6,
              "--by", "sun.min")  # fmt: skip
    assert own.exit_code == 1
    assert "sun.min saved key-account-office 2026.2 and cannot review it" in own.output
    short = kam("playbooks", "approve", "key-account-office", "2026.2", "--hash", "abab",
                "--by", "qian.li")  # fmt: skip
    assert short.exit_code == 1  # fewer than 12 characters name no hash
    assert "is not what was reviewed" in short.output
    done = kam("playbooks", "approve", "key-account-office", "2026.2", "--hash", "ab" * 6,
               "--by", "qian.li")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "approved key-account-office 2026.2 (abababababab): in force from 2026-04-01" in (
        done.output
    )
    again = kam("playbooks", "decline", "key-account-office", "2026.2", "--hash", "ab" * 32,
                "--reason", "late", "--by", "qian.li")  # fmt: skip
    assert again.exit_code == 6  # a decision is final: a conflict with what is stored
    assert "already approved by qian.li" in again.output
    (doc,) = json.loads(kam("playbooks", "list", "--format", "json").output)
    assert (doc["state"], doc["review"]["by"]) == ("approved", "qian.li")


def test_kam_playbooks_decline_needs_a_reason_and_a_reviewer_with_the_role(kam, people, proposal):
    args = ("playbooks", "decline", "key-account-office", "2026.2", "--hash", "ab" * 32)
    assert kam(*args, "--reason", " ", "--by", "qian.li").exit_code == 1
    nobody = kam(*args, "--reason", "no", "--by", "li.na")
    assert nobody.exit_code == 1
    assert "needs the role playbook_editor or admin" in nobody.output
    missing = kam("playbooks", "approve", "key-account-office", "2026.9", "--hash", "ab" * 32,
                  "--by", "qian.li")  # fmt: skip
    assert missing.exit_code == 2
    done = kam(*args, "--reason", "switches off the overdue block", "--by", "qian.li")
    assert done.exit_code == 0, done.output
    assert "declined key-account-office 2026.2" in done.output
    listed = kam("playbooks", "list").output
    assert "declined by qian.li at" in listed
    assert "switches off the overdue block" in listed


def test_add_refuses_a_stage_the_deal_could_not_have_reached_and_another_owner(
    kam, people, tmp_path
):
    """Review items 1 and 4: a salesperson's deal straight at closing without a filed visit,
    or owned by someone else, is refused (exit 1) saying what the move needs and the two ways
    in; an admin brings it in, and hands deals over."""
    deal = json.loads(NEEDS_APPROVALS.read_text(encoding="utf-8"))
    deal.pop("approvals")
    deal["stage"] = "closing"
    path = tmp_path / "closing.json"
    path.write_text(json.dumps(deal), encoding="utf-8")
    priced = kam("deals", "add", path, "-p", AUTO_DEALER, "--by", "li.na", *DAY)
    assert priced.exit_code == 1, priced.output  # its prices are the company's, first
    assert "a new deal cannot bring the company's data" in priced.output
    path.write_text(json.dumps(without_company_data(deal)), encoding="utf-8")
    refused = kam("deals", "add", path, "-p", AUTO_DEALER, "--by", "li.na", *DAY)
    assert refused.exit_code == 1, refused.output
    assert "DE-2026-031 cannot start at closing" in refused.output
    assert "Create it at prospecting, or ask an admin to import it" in refused.output
    assert "Traceback" not in refused.output
    assert kam("deals", "show", "DE-2026-031").exit_code == 2  # nothing stored
    tried = kam("deals", "history", "DE-2026-031").output.splitlines()  # but both tries are
    assert [line.split()[2:4] for line in tried] == [["li.na", "REFUSED"]] * 2
    assert "REFUSED create (at version 0): deal DE-2026-031 cannot start at closing" in tried[1]
    assert kam("deals", "history", "DE-2026-999").exit_code == 2  # never created nor tried
    deal["stage"] = "prospecting"
    deal["owner"] = "gm"
    path.write_text(json.dumps(deal), encoding="utf-8")
    other = kam("deals", "add", path, "-p", AUTO_DEALER, "--by", "li.na", *DAY)
    assert other.exit_code == 1
    assert "li.na cannot create deal DE-2026-031 for gm" in other.output
    deal["stage"] = "closing"
    path.write_text(json.dumps(deal), encoding="utf-8")
    brought = kam("deals", "add", path, "-p", AUTO_DEALER, "--by", "chief", *DAY)
    assert brought.exit_code == 0, brought.output
    patch = tmp_path / "owner.json"
    patch.write_text('{"owner": "li.na"}', encoding="utf-8")
    mine = kam("deals", "update", "DE-2026-031", patch, "--by", "gm", "--if-version", "1")
    assert mine.exit_code == 1
    assert "a hand-over is an admin's act" in mine.output
    handed = kam("deals", "update", "DE-2026-031", patch, "--by", "chief", "--if-version", "1")
    assert handed.exit_code == 0, handed.output
    listed = kam("deals", "list", "--owner", "li.na", "--format", "json")
    assert [d["id"] for d in json.loads(listed.output)["deals"]] == ["DE-2026-031"]
