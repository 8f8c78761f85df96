"""The store's fidelity through the command line: company data the owner cannot retype,
customer accounts with a history, users and roles checked when they are made."""

from __future__ import annotations

import json

from .test_cli_store import DAY, cli_url, kam, people, stored  # noqa: F401 (fixtures)


def test_the_owner_raising_a_list_price_is_refused_and_the_approvals_stay(kam, stored):
    before = json.loads(kam("deals", "show", stored, *DAY, "--format", "json").output)
    needed = {a["role"] for a in before["result"]["approvals"] if a["status"] != "approved"}
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
    assert {a["role"] for a in after["result"]["approvals"] if a["status"] != "approved"} == needed
    # the owner's own price is theirs to change
    mine = {**before["deal"]["document"]["lines"][0], "unit_price": 140000}
    assert kam("deals", "update", stored, json.dumps({"lines": [mine]}), "--by", "li.na",
               "--if-version", "1", *DAY).exit_code in (0, 3)  # fmt: skip
