"""Checked deals in, what a batch found in all out: counts by status, rule, approving role,
assignee and missing field, and the pipeline by stage (amount times the stage's win probability).

Pure: ``Notes`` gathers one chunk's results with cheap appends, ``Tally`` adds chunks up
(in any process, in any order), ``Summary`` is the frozen whole, as JSON (``--summary-json``)
and as small tables for a person (``kam batch`` on standard error, in en or zh). Sums of
amounts are exact and an unknown amount is counted, never taken as nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact
from typing import TYPE_CHECKING, Any

from ..text import fmt_count, fmt_money_exact, fmt_percent, words_of

if TYPE_CHECKING:
    from ..check.model import PlaybookModel
    from ..results import PlaybookRef, Result
    from .playbook import Playbook

AMOUNT_FACT = "amount"  # the money fact the weighted pipeline adds up, when a playbook has it
APPROVAL_STATES = ("pending", "granted", "waiting", "stale", "rejected")

# Sums of amounts are exact: far more digits than any pipeline holds, and never rounded.
_EXACT = Context(prec=100, traps=[Inexact])
_ZERO = Decimal(0)


class Tally:
    """Counts and sums over checked deals; merged from every chunk into the summary."""

    __slots__ = (
        "actions",
        "amounts",
        "approvals",
        "deals",
        "information",
        "overdue",
        "rules",
        "shadow",
        "stages",
        "statuses",
    )

    def __init__(self) -> None:
        self.deals = 0
        self.information: Counter[str] = Counter()  # field to record -> deals that lack it
        self.statuses: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()  # rule -> deals it fired on
        self.shadow: Counter[str] = Counter()  # shadow-mode rule -> deals it would fire on
        self.approvals: Counter[tuple[str, str]] = Counter()  # (role, state) -> approvals
        self.actions: Counter[str] = Counter()  # assignee -> actions
        self.overdue: Counter[str] = Counter()  # assignee -> overdue actions
        self.stages: Counter[str] = Counter()  # stage -> deals checked
        self.amounts: dict[str, tuple[Decimal, int]] = {}  # stage -> (known sum, unknown count)

    def merge(self, other: Tally) -> None:
        self.deals += other.deals
        self.statuses.update(other.statuses)
        self.rules.update(other.rules)
        self.shadow.update(other.shadow)
        self.information.update(other.information)
        self.approvals.update(other.approvals)
        self.actions.update(other.actions)
        self.overdue.update(other.overdue)
        self.stages.update(other.stages)
        for stage, (amount, unknown) in other.amounts.items():
            known, unknown_here = self.amounts.get(stage, (_ZERO, 0))
            self.amounts[stage] = (_EXACT.add(known, amount), unknown_here + unknown)


class Notes:
    """What one chunk's deals gave, noted with cheap appends and counted once at its end:
    this runs for every deal, and Counter counts a list in C."""

    __slots__ = (
        "actions",
        "amount",
        "amounts",
        "approvals",
        "information",
        "overdue",
        "rules",
        "shadow",
        "stages",
        "statuses",
    )

    def __init__(self, amount: str | None) -> None:
        self.amount = amount
        self.statuses: list[str] = []
        self.stages: list[str] = []
        self.rules: list[str] = []  # each rule once per deal it fired on
        self.shadow: list[str] = []
        self.information: list[str] = []  # each field to record once per deal
        self.approvals: list[tuple[str, str]] = []
        self.actions: list[str] = []
        self.overdue: list[str] = []  # the assignee of each overdue action
        self.amounts: dict[str, tuple[Decimal, int]] = {}

    def bad(self) -> None:
        self.statuses.append("bad_input")

    def add(self, r: Result) -> None:
        self.statuses.append(r.status)
        self.stages.append(r.stage)
        if r.violations or r.approvals or r.actions:
            hit = {v.rule for v in r.violations}
            for a in r.approvals:
                hit.add(a.rule)
                self.approvals.append((a.role, a.status))
            for x in r.actions:
                hit.add(x.rule)
                self.actions.append(x.assignee)
                if x.overdue:
                    self.overdue.append(x.assignee)
            self.rules.extend(hit)
        if r.shadow:
            self.shadow.extend({s.rule for s in r.shadow})
        if r.missing_information:
            self.information.extend({f for m in r.missing_information for f in m.fields})
        if self.amount is not None:
            value = r.facts.get(self.amount)
            known, unknown = self.amounts.get(r.stage, (_ZERO, 0))
            if isinstance(value, Decimal | int) and not isinstance(value, bool):
                self.amounts[r.stage] = (_EXACT.add(known, value), unknown)
            else:  # unknown is never counted as nothing: it is reported
                self.amounts[r.stage] = (known, unknown + 1)

    def tally(self) -> Tally:
        t = Tally()
        t.deals = len(self.statuses)
        t.statuses.update(self.statuses)
        t.stages.update(self.stages)
        t.rules.update(self.rules)
        t.shadow.update(self.shadow)
        t.information.update(self.information)
        t.approvals.update(self.approvals)
        t.actions.update(self.actions)
        t.overdue.update(self.overdue)
        t.amounts = self.amounts
        return t


def amount_fact(model: PlaybookModel) -> str | None:
    """The fact a deal's amount is read from: a money fact named ``amount``, if declared."""
    for fact in model.facts:
        if fact.name == AMOUNT_FACT and fact.type.kind == "money":
            return fact.name
    return None


@dataclass(frozen=True)
class StageTotal:
    """Deals in one stage, their amount and the amount weighted by the stage's win probability."""

    stage: str
    deals: int
    amount: Decimal | None  # None: the playbook has no amount fact
    amount_unknown: int  # deals whose amount could not be worked out (not in ``amount``)
    win_probability: Decimal | None  # None: the playbook's stages have no win probabilities
    weighted: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "deals": self.deals,
            "amount": self.amount,
            "amount_unknown": self.amount_unknown,
            "win_probability": self.win_probability,
            "weighted": self.weighted,
        }


@dataclass(frozen=True)
class Summary:
    """What a batch found, in all: counts by status, rule, approving role and assignee, and
    the pipeline per stage (amount times the stage's win probability)."""

    playbook: PlaybookRef
    as_of: date
    deals: int
    statuses: tuple[tuple[str, int], ...]
    rules: tuple[tuple[str, int], ...]
    shadow_rules: tuple[tuple[str, int], ...]
    approvals: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    actions: tuple[tuple[str, int], ...]
    amount_fact: str | None
    stages: tuple[StageTotal, ...]
    total: StageTotal
    information: tuple[tuple[str, int], ...] = ()  # field to record -> deals that lack it
    overdue: tuple[tuple[str, int], ...] = ()  # assignee -> overdue actions
    model: Any = None  # the playbook: the text names roles and stages by their labels

    @classmethod
    def of(cls, tally: Tally, playbook: Playbook, as_of: date) -> Summary:
        model = playbook.model
        fact = amount_fact(model)
        weighs = any(s.win_probability for s in model.stages)
        stages = []
        for s in model.stages:
            amount, unknown = tally.amounts.get(s.id, (Decimal(0), 0))
            p = s.win_probability if weighs else None
            stages.append(
                StageTotal(
                    s.id,
                    tally.stages.get(s.id, 0),
                    amount if fact else None,
                    unknown,
                    p,
                    _EXACT.multiply(amount, p) if fact and p is not None else None,
                )
            )
        total = StageTotal(
            "total",
            sum(s.deals for s in stages),
            _sum(s.amount for s in stages) if fact else None,
            sum(s.amount_unknown for s in stages),
            None,
            _sum(s.weighted for s in stages) if fact and weighs else None,
        )
        roles: dict[str, dict[str, int]] = {}
        for (role, state), n in tally.approvals.items():
            roles.setdefault(role, dict.fromkeys(APPROVAL_STATES, 0))[state] = n
        return cls(
            playbook.compiled.ref,
            as_of,
            tally.deals,
            tuple(sorted(tally.statuses.items())),
            _most_first(tally.rules),
            _most_first(tally.shadow),
            tuple(
                (role, tuple(states.items()))
                for role, states in sorted(
                    roles.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])
                )
            ),
            _most_first(tally.actions),
            fact,
            tuple(stages),
            total,
            _most_first(tally.information),
            _most_first(tally.overdue),
            model,
        )

    def line(self, lang: str = "en") -> str:
        """ "6 deals: blocked 2, ok 4; 3 actions (1 overdue)"."""
        t = words_of(lang, "summary")
        parts = t["sep"].join(f"{t.get('s_' + k, k)} {v}" for k, v in self.statuses)
        actions = sum(n for _, n in self.actions)
        late = sum(n for _, n in self.overdue)
        head = t["line"].format(n=self.deals, statuses=parts or t["s_none"])
        return head + (t["line_actions"].format(n=actions, late=late) if actions else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook.to_dict(),
            "as_of": self.as_of.isoformat(),
            "deals": self.deals,
            "statuses": dict(self.statuses),
            "rules": dict(self.rules),
            "shadow_rules": dict(self.shadow_rules),
            "approvals": {role: dict(states) for role, states in self.approvals},
            "actions": dict(self.actions),
            "missing_information": dict(self.information),
            "overdue_actions": dict(self.overdue),
            "pipeline": {
                "amount": f"facts.{self.amount_fact}" if self.amount_fact else None,
                "stages": [s.to_dict() for s in self.stages],
                "total": self.total.to_dict(),
            },
        }

    def lines(self, lang: str = "en") -> list[str]:
        """The summary as text for a person (stderr): the status line, then one small table
        per count; empty tables are left out."""
        t = words_of(lang, "summary")
        out = [self.line(lang)]
        if self.rules:
            out += _table([t["rules"], t["deals"]], [[r, fmt_count(n)] for r, n in self.rules])
        if self.shadow_rules:
            out += _table(
                [t["shadow"], t["deals"]], [[r, fmt_count(n)] for r, n in self.shadow_rules]
            )
        if self.approvals:
            heads = [t["approvals"]] + [t[s] for s in APPROVAL_STATES]
            rows = [[self._role(role, lang), *(fmt_count(dict(states).get(s, 0))
                     for s in APPROVAL_STATES)] for role, states in self.approvals]  # fmt: skip
            out += _table(heads, rows)
        if self.actions:
            late = dict(self.overdue)
            out += _table(
                [t["actions"], t["count"], t["overdue"]],
                [[self._role(a, lang), fmt_count(n), fmt_count(late.get(a, 0))]
                 for a, n in self.actions],
            )  # fmt: skip
        if self.information:
            out += _table(
                [t["information"], t["deals"]], [[f, fmt_count(n)] for f, n in self.information]
            )
        used = [s for s in self.stages if s.deals]
        if used:
            heads = [t["pipeline"], t["deals"]]
            if self.amount_fact:
                heads.append(t["amount"])
                if self.total.weighted is not None:
                    heads += [t["win"], t["weighted"]]
            rows = [self._row(s, len(heads)) for s in [*used, self.total]]
            for row, s in zip(rows, used, strict=False):
                row[0] = self._stage(s.stage, lang)
            rows[-1][0] = t["total"]
            out += _table(heads, rows)
            unknown = self.total.amount_unknown
            if self.amount_fact and unknown:
                out.append(t["unknown"].format(n=fmt_count(unknown), fact=self.amount_fact))
        return out

    def _role(self, role: str, lang: str) -> str:
        label = self.model.roles.get(role) if self.model is not None else None
        return label.get(lang) if label else role

    def _stage(self, stage: str, lang: str) -> str:
        if self.model is None:
            return stage
        label = next((s.label for s in self.model.stages if s.id == stage), None)
        return (label.get(lang) if label else "") or stage

    @staticmethod
    def _row(s: StageTotal, width: int) -> list[str]:
        row = [s.stage, fmt_count(s.deals)]
        if width > 2:
            row.append(fmt_money_exact(s.amount))
        if width > 3:
            row.append("" if s.win_probability is None else fmt_percent(s.win_probability))
            row.append(fmt_money_exact(s.weighted))
        return row


def _sum(values: Any) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = _EXACT.add(total, v)
    return total


def _most_first(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _table(heads: list[str], rows: list[list[str]]) -> list[str]:
    """Heads over indented rows; the first column left-aligned, the others right-aligned."""
    body = [[f"  {r[0]}", *r[1:]] for r in rows]
    widths = [max(_width(r[i]) for r in [heads, *body]) for i in range(len(heads))]

    def line(cells: list[str]) -> str:
        first = cells[0] + " " * (widths[0] - _width(cells[0]))
        rest = [" " * (w - _width(c)) + c for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(heads), *(line(r) for r in body)]


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
