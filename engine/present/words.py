"""An expression, a message template or a setting's value of a checked playbook in, plain
words a sales director reads out (in the handbook's language, by the playbook's labels).

``Book`` names things: the playbook's label in the language, else our word for the id (the
``values`` and ``fields`` parts of ``text.WORDS``), else the id with spaces. ``words`` says a
condition or a formula, ``message_in_words`` a message no worked example shows, and
``param_value`` a setting. The handbook (``handbook.py``) and the stage diagram use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..check.model import Label, PlaybookModel, Row
from ..lang import ir
from ..lang.ir import Visitor
from ..lang.types import Type
from ..text import fmt_money, fmt_number, fmt_percent, word, words_of

# The handbook's templates run in this sandbox (autoescaped HTML); the message reader parses
# with it too, so a message reads in words as its template is cut into text and blocks.
ENV = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True
)


def humanise(key: str) -> str:
    """An id as words, for where a playbook gives no label: "refresh_credit_check" ->
    "refresh credit check"."""
    return key.replace("_", " ").strip() or key


def _ui(lang: str, key: str) -> str:
    return word(lang, "handbook", key)


@dataclass
class Book:
    """What the handbook calls each thing of one playbook in one language."""

    model: PlaybookModel
    lang: str

    def label(self, lab: Label | None, key: str, ours: str = "values") -> str:
        """The playbook's label in this language, else our word for the id (the ``values``
        or ``fields`` words), else the id humanised (never the bare snake_case id)."""
        if lab and (lab.zh if self.lang == "zh" else lab.en):
            return lab.get(self.lang)
        known = words_of(self.lang, ours).get(key)
        if known:
            return known
        if lab and (lab.en or lab.zh):
            return lab.get(self.lang)
        return humanise(key)

    def word(self, value: str) -> str:
        """A text value ('decision_maker', 'finance') as a person says it: the label of the
        role, category, stage or document of that id if there is one."""
        m = self.model
        if value in m.roles:
            return self.role(value)
        if value in m.categories:
            return self.category(value)
        if value in m.documents:
            return self.document(value)
        if any(s.id == value for s in m.stages):
            return self.stage(value)
        return self.label(None, value)

    def role(self, key: str) -> str:
        return self.label(self.model.roles.get(key), key)

    def value_of(self, name: str, value: str) -> str:
        """A value of an enumerated field or fact by its label (values: {id: label})."""
        return self.model.value_label(name, value, self.lang) or self.word(value)

    def document(self, key: str) -> str:
        return self.label(self.model.documents.get(key), key)

    def stage(self, key: str) -> str:
        s = next((s for s in self.model.stages if s.id == key), None)
        return self.label(s.label if s else None, key)

    def category(self, key: str) -> str:
        c = self.model.categories.get(key)
        return self.label(c.label if c else None, key)

    def fact(self, key: str) -> str:
        f = next((f for f in self.model.facts if f.name == key), None)
        return self.label(f.label if f else None, key)

    def param(self, key: str) -> str:
        p = self.model.parameters.get(key)
        return self.label(p.label if p else None, key)

    def field(self, path: str) -> str:
        """A deal field as a person names it: "Customer > Credit limit" (with a guillemet)."""
        parts = path.split(".")
        names = []
        for i in range(len(parts)):
            key = ".".join(parts[: i + 1])
            name = parts[i].removesuffix("[]")
            lab = self.model.field_labels.get(key) or self.model.field_labels.get(
                key.removesuffix("[]")
            )
            said = self.label(lab, name, "fields")
            if words_of(self.lang, "handbook")["capitalise"] and not (lab and lab.en):
                said = said[:1].upper() + said[1:]  # like the labelled names around it
            names.append(said)
        return " › ".join(names)


def words(node: ir.Node, book: Book, locals_: dict[str, str] | None = None) -> str:
    """An expression in plain words (English or Chinese)."""
    return _Words(book, dict(locals_ or {})).say(node)


class _Words(Visitor[str]):
    def __init__(self, book: Book, locals_: dict[str, str]) -> None:
        self.book = book
        self.t = words_of(book.lang, "conditions")
        self.locals = locals_  # loop variable -> the list field it walks ("lines")

    def say(self, n: ir.Node, top: bool = True) -> str:
        return self.visit(n)

    def visit_Const(self, n: ir.Const) -> str:
        shown = self.value(n.value, n.type)
        if n.param:
            return f"{self.book.param(n.param)} ({shown})"
        return shown

    def value(self, v: Any, t: Type) -> str:
        if isinstance(v, bool):
            return self.t["true" if v else "false"]
        if t.kind == "percent" and isinstance(v, Decimal | int):
            return fmt_percent(v)
        if t.kind == "money" and isinstance(v, Decimal | int):
            return fmt_money(v)
        if isinstance(v, Decimal | int):
            return fmt_number(v)
        if isinstance(v, tuple):
            return "[" + ", ".join(self.value(x, t.item or t) for x in v) + "]"
        if v is None:
            return "—"
        if isinstance(v, str):
            return f"‘{self.book.word(v)}’"
        return f"‘{v}’"

    def visit_Get(self, n: ir.Get) -> str:
        if n.local:
            base = self.locals.get(n.root)
            if not n.path:
                return self.t["its"] if base is None else self.book.field(base)
            if len(n.path) == 2 and n.path[0] == "basis":
                # what an approval was given for: named as the value it is bound to
                return self.t["its_basis"].format(name=self.book.fact(n.path[1]))
            sub = f"{base}[].{'.'.join(n.path)}" if base else ".".join(n.path)
            name = self.book.field(sub).split(" › ")[-1]
            return self.t["its_field"].format(name=name)
        if n.root == "deal":
            return self.book.field(".".join(n.path))
        if n.root == "facts":
            return self.book.fact(n.path[0])
        return self.t["stage"].format(a=self.book.word(n.path[-1]))

    def visit_AsOf(self, n: ir.AsOf) -> str:
        return self.t["as_of"]

    def visit_Compare(self, n: ir.Compare) -> str:
        return f"{self.say(n.left)} {self.t[n.op]} {self._side(n.right, n.left)}"

    def _side(self, n: ir.Node, other: ir.Node) -> str:
        """A text compared with an enumerated field or fact is shown by its label."""
        name = self._enumeration(other)
        if name and isinstance(n, ir.Const) and isinstance(n.value, str) and not n.param:
            return f"‘{self.book.value_of(name, n.value)}’"
        return self.say(n)

    def _enumeration(self, n: ir.Node) -> str:
        if not isinstance(n, ir.Get):
            return ""
        if n.root == "facts" and len(n.path) == 1:
            return n.path[0]
        if n.local and n.root in self.locals:
            return ".".join((f"{self.locals[n.root]}[]", *n.path))
        return ".".join(n.path) if n.root == "deal" else ""

    def visit_BoolOp(self, n: ir.BoolOp) -> str:
        parts = []
        for item in n.items:
            text = self.say(item)
            if isinstance(item, ir.BoolOp) and item.op != n.op:
                text = f"({text})"
            parts.append(text)
        return f" {self.t[n.op]} ".join(parts)

    def visit_Not(self, n: ir.Not) -> str:
        return f"{self.t['not']} ({self.say(n.operand)})"

    def visit_Arith(self, n: ir.Arith) -> str:
        sym = {"+": "+", "-": "−", "*": "×", "/": "÷"}[n.op]
        left, right = self.say(n.left), self.say(n.right)
        if isinstance(n.right, ir.Arith) and n.op in "-/":
            right = f"({right})"
        return f"{left} {sym} {right}"

    def visit_Neg(self, n: ir.Neg) -> str:
        return f"−{self.say(n.operand)}"

    def visit_Call(self, n: ir.Call) -> str:
        args = [self.say(a) for a in n.args]
        if n.fn in ("min", "max"):
            ui = words_of(self.book.lang, "handbook")
            key = "smaller" if n.fn == "min" else "larger"
            return ui[key].format(args=ui["list_sep"].join(args))
        if n.fn == "chain_status":
            first = n.args[0]
            if isinstance(first, ir.Const) and isinstance(first.value, str):
                chain = next((c for c in self.book.model.chains if c.id == first.value), None)
                if chain is not None:
                    return self.t["chain"].format(a=self.book.label(chain.title, chain.id))
            return self.t["chain"].format(a=args[0])
        keys = {"a": args[0] if args else "", "b": args[1] if len(args) > 1 else ""}
        key = "len_text" if n.fn == "len" and n.args[0].type.kind == "string" else n.fn
        return self.t[key].format(**keys)

    def visit_Aggregate(self, n: ir.Aggregate) -> str:
        listed = self.say(n.source)
        if not n.var:
            key = "count" if n.fn == "count" else n.fn
            return self.t[key].format(list=listed, elt=listed, cond="")
        source = n.source
        if isinstance(source, ir.Get) and source.root == "deal":
            self.locals[n.var] = ".".join(source.path)
        cond = self.say(n.cond) if n.cond is not None else ""
        elt = self.say(n.elt) if n.elt is not None else ""
        if n.fn == "count":
            return self.t["count_if" if cond else "count"].format(list=listed, cond=cond)
        if n.fn in ("any", "all"):
            body = elt if not cond else f"{cond} {self.t['and']} {elt}"
            return self.t[n.fn].format(list=listed, cond=body)
        text = self.t[n.fn].format(list=listed, elt=elt)
        return text + (f" ({self.t['where']} {cond})" if cond else "")

    def visit_Present(self, n: ir.Present) -> str:
        return f"{self.say(n.operand)} {self.t['missing' if n.negate else 'present']}"

    def visit_IfMissing(self, n: ir.IfMissing) -> str:
        return self.t["if_missing"].format(a=self.say(n.operand), b=self.say(n.default))

    def visit_In(self, n: ir.In) -> str:
        return (
            f"{self.say(n.item)} {self.t['not in' if n.negate else 'in']} {self.say(n.container)}"
        )

    def visit_Cond(self, n: ir.Cond) -> str:
        return self.t["if"].format(a=self.say(n.then), t=self.say(n.test), b=self.say(n.otherwise))

    def visit_ListOf(self, n: ir.ListOf) -> str:
        return "[" + ", ".join(self.say(i) for i in n.items) + "]"


def params_used(nodes_: Iterable[ir.Node | None]) -> list[str]:
    out: list[str] = []
    for node in nodes_:
        if node is None:
            continue
        for n in ir.walk(node):
            if isinstance(n, ir.Const) and n.param and n.param not in out:
                out.append(n.param)
    return out


class _MessageWords:
    """A message template in words, for a message no test deal shows: text stays, each
    value becomes its name in brackets ("[Customer > Territory]"), a setting its value; a
    loop is read once and a condition by its first branch. Never template syntax."""

    def __init__(
        self, book: Book, names: Mapping[str, str], locals_: Mapping[str, str] | None = None
    ) -> None:
        self.book = book
        self.names = dict(names)  # template name -> words ("value" -> "Discount off list")
        self.locals = dict(locals_ or {})  # loop variable -> the list field it walks
        self.holes = 0  # values put in brackets

    def say(self, source: str) -> str:
        try:
            tree = ENV.parse(source)
        except TemplateSyntaxError:
            return ""
        out: list[str] = []
        self.body(tree.body, out)
        return " ".join("".join(out).split())

    def body(self, items: Iterable[nodes.Node], out: list[str]) -> None:
        for node in items:
            if isinstance(node, nodes.Output):
                for part in node.nodes:
                    if isinstance(part, nodes.TemplateData):
                        out.append(part.data)
                    else:
                        out.append(self.value(part))
            elif isinstance(node, nodes.For):
                path = self.path(node.iter)
                if isinstance(node.target, nodes.Name) and path and path[0] == "deal":
                    self.locals[node.target.name] = ".".join(path[1:])
                self.body(node.body, out)
            elif isinstance(node, nodes.If) and any(
                n.name == "loop" for n in node.test.find_all(nodes.Name)
            ):
                self.body(node.else_, out)  # read once: not the separator between items
            elif hasattr(node, "body"):  # if: its first branch; with, block...
                self.body(node.body, out)

    def path(self, node: nodes.Node) -> tuple[str, ...]:
        if isinstance(node, nodes.Name):
            return (node.name,)
        if isinstance(node, nodes.Getattr):
            return (*self.path(node.node), node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            return (*self.path(node.node), str(node.arg.value))
        if isinstance(node, nodes.Filter) and node.node is not None:
            return self.path(node.node)
        return ()

    def value(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Const):
            return str(node.value)
        book, path = self.book, self.path(node)
        holder = _ui(book.lang, "placeholder")
        self.holes += 1
        if not path:
            return holder.format(x="…")
        root, rest = path[0], path[1:]
        if root == "params" and rest and rest[0] in book.model.parameters:
            self.holes -= 1  # a setting's value is known
            p = book.model.parameters[rest[0]]
            return param_value(p.value, p.type.kind, book)
        if root == "deal" and rest:
            name = book.field(".".join(rest))
        elif root == "facts" and rest:
            name = book.fact(rest[0])
        elif root in self.locals:
            sub = f"{self.locals[root]}[]" + "".join(f".{p}" for p in rest)
            name = book.field(sub).split(" › ")[-1] if rest else book.field(self.locals[root])
        elif root in self.names:
            name = self.names[root]
        else:
            name = book.word(path[-1])
        return holder.format(x=name)


def message_in_words(
    source: str, book: Book, names: Mapping[str, str], locals_: Mapping[str, str] | None = None
) -> tuple[str, bool]:
    """(the message in words, whether it has a value in brackets)."""
    reader = _MessageWords(book, names, locals_)
    text = reader.say(source)
    return text, reader.holes > 0


# -- values of settings and bounds of table rows -------------------------------------------


def shown_value(value: Any, book: Book) -> str:
    if isinstance(value, str):
        return book.word(value)
    return param_value(value, "", book)


def param_value(value: Any, kind: str, book: Book) -> str:
    if kind == "percent":
        return fmt_percent(value)
    if kind == "money":
        return fmt_money(value)
    if isinstance(value, bool):
        return _ui(book.lang, "yes" if value else "no")
    if isinstance(value, Decimal | int):
        return fmt_number(value)
    if isinstance(value, tuple):
        return _ui(book.lang, "list_sep").join(shown_value(v, book) for v in value)
    if isinstance(value, str):
        return book.word(value)
    return str(value)


def row_range(row: Row, lang: str) -> str:
    ui = words_of(lang, "handbook")
    parts = []
    if row.low is not None:
        word = "≥ " if row.low_inclusive else "> "
        parts.append(word + _bound(row.low, row.bounds_text))
    if row.high is not None:
        word = "≤ " if row.high_inclusive else "< "
        parts.append(word + _bound(row.high, row.bounds_text))
    return ui["range_and"].join(parts) or ui["any_value"]


def _bound(value: Decimal, texts: Any) -> str:
    if any(str(t).endswith("%") or "params." in str(t) for t in texts.values()) and abs(value) <= 1:
        return fmt_percent(value)
    return fmt_number(value)
