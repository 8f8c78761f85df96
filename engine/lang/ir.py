"""The checked expression tree (IR) and the one way to walk it.

``expressions.check`` turns condition text into these frozen nodes; three walkers read them,
each a ``Visitor`` with one ``visit_<Node>`` method per node kind: the reference interpreter
(``run/reference.py``), the code generator (``compile/codegen.py``) and the plain-words
writer of the handbook (``present/handbook.py``). Offsets point into the expression text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

from .types import Type

# ---------------------------------------------------------------------------------------
# The nodes. A new kind needs a visit_<Kind> method in every Visitor (the class says which
# are missing when it is defined) and an entry in NODE_KINDS.


@dataclass(frozen=True, slots=True)
class Node:
    type: Type = field(compare=False)
    start: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Const(Node):
    value: Any = None
    param: str = field(default="", compare=False)  # the parameter it was folded from


@dataclass(frozen=True, slots=True)
class Get(Node):
    """A value read from ``deal``, ``facts``, ``stage`` or a loop variable."""

    root: str = "deal"
    path: tuple[str, ...] = ()
    local: bool = False

    @property
    def name(self) -> str:
        return ".".join((self.root, *self.path))


@dataclass(frozen=True, slots=True)
class AsOf(Node):
    pass


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    op: str
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Arith(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A plain function call (``days_between``, ``len``, ``max(a, b)``...)."""

    fn: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Aggregate(Node):
    """``fn(elt for var in source if cond)``, or ``fn(source)`` when ``var`` is empty."""

    fn: str
    source: Node
    var: str = ""
    elt: Node | None = None
    cond: Node | None = None


@dataclass(frozen=True, slots=True)
class Present(Node):
    """``present(x)`` / ``x != null`` (negate=False), ``missing(x)`` / ``x == null``."""

    operand: Node
    negate: bool = False


@dataclass(frozen=True, slots=True)
class IfMissing(Node):
    operand: Node
    default: Node


@dataclass(frozen=True, slots=True)
class In(Node):
    item: Node
    container: Node
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Cond(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class ListOf(Node):
    items: tuple[Node, ...] = ()


NODE_KINDS: tuple[type[Node], ...] = (
    Const,
    Get,
    AsOf,
    Compare,
    BoolOp,
    Not,
    Arith,
    Neg,
    Call,
    Aggregate,
    Present,
    IfMissing,
    In,
    Cond,
    ListOf,
)


# ---------------------------------------------------------------------------------------
# The one visitor.

T = TypeVar("T")


class Visitor(Generic[T]):
    """Walks the IR: ``visit(node)`` calls this class's ``visit_<Node>`` method for the node.

    The table from node class to method is built once per subclass, when it is defined; a
    subclass that lacks a method for some node kind is refused right there, by name.
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        methods: dict[type[Node], Callable[[Any, Any], Any]] = {}
        for kind in NODE_KINDS:
            method = getattr(cls, "visit_" + kind.__name__, None)
            if method is not None:
                methods[kind] = method
        missing = [k.__name__ for k in NODE_KINDS if k not in methods]
        if missing:
            names = ", ".join("visit_" + m for m in missing)
            raise TypeError(f"{cls.__name__} walks the expression IR but has no {names}")

        # the table is closed over rather than a class attribute: CPython 3.11 reads a closure
        # cell faster, and the interpreter (explain) goes through here for every node
        def visit(self: Visitor[T], node: Node) -> T:
            try:
                method = methods[type(node)]
            except KeyError:
                raise TypeError(f"{type(self).__name__} cannot visit {node!r}") from None
            out: T = method(self, node)
            return out

        setattr(cls, "visit", visit)  # noqa: B010 - mypy refuses assigning to a method

    def visit(self, node: Node) -> T:
        """The value of ``node``: replaced in every subclass by its table lookup (above)."""
        raise NotImplementedError  # pragma: no cover - every subclass has its own


# ---------------------------------------------------------------------------------------
# Walks over the tree that need no visitor.


def divisor(node: Arith) -> str:
    """What a division divides by, when it is one value read ("facts.list_amount"): a
    division by zero is then worded with its label ("Amount at list price is 0")."""
    right = node.right
    return right.name if isinstance(right, Get) and not right.local else ""


def children(node: Node) -> list[Node]:
    """The direct sub-expressions of ``node`` (for walks over the tree)."""
    out: list[Node] = []
    for name in (
        "left",
        "right",
        "operand",
        "source",
        "elt",
        "cond",
        "default",
        "item",
        "container",
        "test",
        "then",
        "otherwise",
    ):
        v = getattr(node, name, None)
        if isinstance(v, Node):
            out.append(v)
    for name in ("items", "args"):
        out.extend(getattr(node, name, ()))
    return out


def walk(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(children(n))
    return out


@dataclass(frozen=True, slots=True)
class Reads:
    """What one expression reads: the facts, deal and stage paths, parameters and chains."""

    facts: frozenset[str]  # fact names: facts.margin.rate reads "margin"
    deal: frozenset[str]  # deal paths without "deal.": "customer.tier"
    stage: frozenset[str]  # stage paths without "stage.": "id"
    params: frozenset[str]  # parameters folded into constants
    chains: frozenset[str]  # chain ids named in chain_status()


def reads(node: Node | None) -> Reads:
    """Everything ``node`` reads from outside (loop variables are not counted)."""
    facts: set[str] = set()
    deal: set[str] = set()
    stage: set[str] = set()
    params: set[str] = set()
    chains: set[str] = set()
    for n in walk(node) if node is not None else ():
        if isinstance(n, Get) and not n.local:
            if n.root == "facts":
                facts.add(n.path[0])
            elif n.root == "deal":
                deal.add(".".join(n.path))
            elif n.root == "stage":
                stage.add(".".join(n.path))
        elif isinstance(n, Const) and n.param:
            params.add(n.param)
        elif isinstance(n, Call) and n.fn == "chain_status":
            first = n.args[0]
            if isinstance(first, Const) and isinstance(first.value, str):
                chains.add(first.value)
    return Reads(
        frozenset(facts), frozenset(deal), frozenset(stage), frozenset(params), frozenset(chains)
    )


def name_looked_up(node: Aggregate) -> Node | None:
    """For ``any(same_name(x, y) for y in list)`` where ``x`` does not read ``y``: ``x``, the
    name looked up in the list (both evaluators then fold each name once, not once per pair:
    ``values.name_in``); None for any other loop."""
    elt = node.elt
    if node.fn != "any" or not node.var or node.cond is not None:
        return None
    if not (isinstance(elt, Call) and elt.fn == "same_name"):
        return None
    a, b = elt.args
    if _is_var(b, node.var) and not _reads(a, node.var):
        return a
    if _is_var(a, node.var) and not _reads(b, node.var):
        return b
    return None


def _is_var(node: Node, var: str) -> bool:
    return isinstance(node, Get) and node.local and node.root == var and not node.path


def _reads(node: object, var: str) -> bool:
    """Does ``node`` read the loop variable ``var`` anywhere?"""
    if isinstance(node, Get):
        return node.local and node.root == var
    if isinstance(node, tuple):
        return any(_reads(n, var) for n in node)
    if isinstance(node, Node):
        return any(_reads(getattr(node, f.name), var) for f in fields(node))
    return False
