"""One evaluation's working state: the deal's ``Scope``, the evaluator that answers for it, the
language, and the engine's own sentences (en/zh) - shared by ``evaluate``, ``chains`` and
``moves``. Messages are rendered lazily: written when first read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

from ..compile.build import CExpr, CompiledPlaybook
from ..compile.codegen import constructor
from ..compile.evaluator import Evaluator, LocalValue, Scope
from ..errors import Text
from ..lang.messages import Message, RenderFailed
from ..lang.types import Type
from ..lang.values import MissingFact, Unknown
from ..results import Action, Approval, MissingInformation, Move, Result, Violation
from ..text import in_sentence, words_of
from .reference import Tracer


def text(lang: str, key: str, **values: Any) -> Text:
    """A note kam writes into a result (``notes`` of the words table), values filled in."""
    return Text(words_of(lang, "notes")[key].format(**values))


class Context(Scope):
    """Everything one evaluation needs, built once per call."""

    __slots__ = (
        "_render_values",
        "entries",
        "evaluator",
        "granted",
        "lang",
        "pb",
        "plain",
        "rejections",
        "tracer",
    )

    def __init__(
        self,
        pb: CompiledPlaybook,
        deal: dict[str, Any],
        as_of: date,
        lang: str,
        evaluator: Evaluator,
        tracer: Tracer | None,
        plain: bool = True,
    ) -> None:
        super().__init__(deal, pb.stage_info[deal["stage"]], as_of)
        self.pb = pb
        self.lang = lang
        self.plain = plain  # plain messages written without jinja2 (see lang/messages.py)
        self.evaluator = evaluator
        self.tracer = tracer
        self.granted: dict[str, str] = {}  # role -> who approved
        self.entries: dict[str, dict[str, Any]] = {}  # role -> the approvals entry granting it
        self.rejections: dict[str, dict[str, Any]] = {}  # role -> the entry rejecting it
        self._render_values: dict[str, Any] | None = None

    def run(self, c: CExpr, *local_values: LocalValue) -> Any:
        """One expression's value (raises ``Unknown``)."""
        return self.evaluator.run(self, c, *local_values)

    def why(self, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue) -> str:
        """The precise reason the first of ``exprs`` that cannot be decided is unknown."""
        return self.evaluator.reason(self, exprs, exc, *local_values)

    def unknown(self, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue) -> Unknown:
        """The precise ``Unknown`` (reason, and every absent path with its list indexes)."""
        return self.evaluator.unknown(self, exprs, exc, *local_values)

    def because(self, exc: Unknown) -> str:
        """Why a value is unknown, for people: a division by zero names what is 0 and what
        cannot be worked out ("the amount at list price is 0, so the discount off list price
        cannot be worked out"), not "division by zero"; any other reason as it is."""
        if not exc.zero:
            return exc.reason
        notes = words_of(self.lang, "notes")
        divisor = self._read_label(exc.zero) or notes["zero_divisor"]
        if exc.fact:
            fact = self._read_label(f"facts.{exc.fact}")
            return notes["zero_fact"].format(divisor=divisor, fact=fact)
        return notes["zero"].format(divisor=divisor)

    def _read_label(self, name: str) -> str:
        """A value read ("facts.discount", "deal.customer.credit_limit") by its label, as it
        reads mid-sentence; "" for a value with no name."""
        model = self.pb.model
        root, _, rest = name.partition(".")
        label = None
        if root == "facts":
            label = next((f.label for f in model.facts if f.name == rest), None)
        elif root == "deal":
            label = model.field_labels.get(rest)
        text = label.get(self.lang) if label is not None else ""
        return in_sentence(text or rest.replace("_", " "), self.lang) if rest else ""

    def to_record(self, fields: Sequence[str]) -> str:
        """The fields to record, for people: their labels and their paths
        (parent labels first; a yes/no field says so)."""
        model = self.pb.model
        notes = words_of(self.lang, "notes")
        out = []
        for path in fields:
            labels: list[str] = []
            key = ""
            t: Type | None = model.deal_type
            for name, index in _segments(path):
                key = f"{key}.{name}" if key else name
                t = t.field(name) if t is not None and t.kind == "object" else None
                lab = model.field_labels.get(key)
                word = lab.get(self.lang) if lab is not None else name
                if index is not None:
                    word += notes["ask_item"].format(n=index + 1)
                    key += "[]"
                    t = t.item if t is not None else None
                labels.append(word)
            what = notes["ask_yes_no" if t is not None and t.kind == "bool" else "ask_field"]
            out.append(what.format(label=" › ".join(labels), path=path))
        return notes["ask_and"].join(out)

    def values(self, **extra: Any) -> dict[str, Any]:
        if self._render_values is None:
            self._render_values = {
                "deal": self.deal,
                "facts": {
                    k: None if isinstance(v, MissingFact) else v for k, v in self.facts.items()
                },
                "params": self.pb.params,
                "as_of": self.as_of,
                "stage": self.stage,
                # for the label filter (a message cannot read names starting with _)
                "_labels": self.pb.model.value_labels,
                "_lang": self.lang,
            }
        if not extra:
            return self._render_values
        return {**self._render_values, **extra}

    def render(self, message: Message | None, fallback: str | Text, **extra: Any) -> Text:
        """The message, written when first read (with the values of this evaluation)."""
        if message is None:
            return fallback if isinstance(fallback, Text) else Text(fallback)
        values = self.values(**extra)
        return Text(make=partial(_write, message, self.lang, values, fallback, self.plain))

    def label(self, kind: str, key: str) -> str:
        """A label as the engine's sentences use it: a role reads in the middle of one
        ("approval by the general manager"), so it is written as it reads there."""
        found = self.pb.labels[self.lang][kind].get(key, key)
        return in_sentence(found, self.lang) if kind == "role" else found

    def stage_label(self, key: str) -> str:
        return self.pb.labels[self.lang]["stage"].get(key, key)


def record_paths(paths: Sequence[str]) -> tuple[str, ...]:
    """The deal paths to record, as a deal names them (``deal.`` dropped); paths outside the
    deal (a stage's value) stay whole."""
    out: list[str] = []
    for p in paths:
        p = p[5:] if p.startswith("deal.") else p
        if p and p not in out:
            out.append(p)
    return tuple(out)


def _segments(path: str) -> list[tuple[str, int | None]]:
    """ "lines[2].list_price" -> [("lines", 2), ("list_price", None)]."""
    out: list[tuple[str, int | None]] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        out.append((name, int(rest.rstrip("]")) if rest.rstrip("]").isdigit() else None))
    return out


def _write(
    message: Message, lang: str, values: dict[str, Any], fallback: str | Text, plain: bool
) -> str:
    try:
        return message.render(lang, values, plain)
    except RenderFailed:
        # the message reads a value this deal lacks: the rule's title still says it all
        return str(fallback)


# Results are built for every deal: through generated constructors (compile/codegen.py says why).
new_violation = constructor(Violation)
new_approval = constructor(Approval)
new_action = constructor(Action)
new_move = constructor(Move)
new_missing = constructor(MissingInformation)
new_result = constructor(Result)
