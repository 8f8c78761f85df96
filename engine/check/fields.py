"""The ``fields:`` section in; the deal's type (built-in fields and declared ones, with their
bounds), the fields' labels ("customer.name", "lines[].model" -> label) and who records the
company's fields ("expense.funds_released" -> the roles of its ``recorded_by``) out."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..errors import Location
from ..lang import expressions as ex
from ..lang.types import (
    ANY,
    DATE,
    SCALARS,
    STRING,
    WRITTEN_AS_TEXT,
    Type,
    list_of,
    object_of,
    person_type,
    type_values,
)
from ..limits import FIELD_INTEGER_BOUND, FIELD_MAX_ITEMS, FIELD_NUMBER_BOUND
from ..read.sourcemap import Path
from .context import Context, label
from .model import Basis, Label
from .names import Declared

BUILTIN_FIELDS = ("id", "category", "stage", "owner", "documents", "approvals", "history")


def deal_type(
    ctx: Context, declared: Declared
) -> tuple[Type, dict[str, Label], dict[str, tuple[str, ...]]]:
    fields: dict[str, Type] = {
        "id": Type("string", extra=(("minLength", 1), ("maxLength", 200))),
        "category": Type("string", values=tuple(declared.categories)),
        "stage": Type("string", values=tuple(declared.stages)),
        "owner": person_type(),
        "documents": Type(
            "list",
            item=Type("string", values=tuple(declared.documents)),
            extra=(("uniqueItems", True), ("maxItems", 1000)),
        ),
        "approvals": list_of(
            object_of(
                {
                    "role": Type("string", values=tuple(declared.roles)),
                    "by": person_type(min_length=1),
                    "on": DATE,
                    "decision": Type("string", values=("approved", "rejected")),
                    "step": STRING,
                    "amount": Type("money", extra=(("minimum", 0),)),
                    "comment": Type("string", extra=(("maxLength", 4000),)),
                },
                required=("role", "by", "decision"),
            )
        ),
        "history": list_of(
            object_of(
                {
                    "from": STRING,
                    "to": STRING,
                    "by": STRING,
                    "at": DATE,
                    "note": STRING,
                },
                required=("from", "to"),
            )
        ),
    }
    labels: dict[str, Label] = {}
    recorded: dict[str, tuple[str, ...]] = {}
    for name, spec in ctx.mapping(("fields",)).items():
        path: Path = ("fields", name)
        if name in BUILTIN_FIELDS:
            ctx.error(
                "builtin-field",
                f"'{name}' is a built-in deal field",
                path,
                key=True,
                hint="remove it: id, category, stage, owner, documents, approvals "
                "and history are always there",
                said="builtin_field",
                values={"name": name},
                hint_said="builtin_field",
            )
            continue
        if ctx.is_bad(path):
            fields[name] = ANY
            continue
        fields[name] = _field_type(ctx, labels, spec, path, tuple(declared.roles), recorded)
    # a deal may leave its category to the categories' `when` (run/deal.py derives it)
    derived = any(
        isinstance(spec, dict) and spec.get("when") is not None
        for spec in ctx.mapping(("categories",)).values()
    )
    required = ["id", *(() if derived else ("category",)), "stage"] + [
        name
        for name, spec in ctx.mapping(("fields",)).items()
        if isinstance(spec, dict) and spec.get("required") and name not in BUILTIN_FIELDS
    ]
    return object_of(fields, required=tuple(required)), labels, recorded


def with_basis(ctx: Context, deal: Type, sources: list[tuple[Basis, Location]]) -> Type:
    """The deal type whose ``approvals[].basis`` holds the names the playbook's approvals are
    bound to, each typed as its expression is; a name bound to two kinds of value is an error."""
    kinds: dict[str, str] = {}
    for b, at in sources:
        had = kinds.get(b.name)
        if had is None or had == b.kind:
            kinds[b.name] = b.kind
        elif {had, b.kind} <= {"number", "integer", "money"}:
            kinds[b.name] = "number"
        else:
            ctx.error(
                "bad-basis",
                f"basis '{b.name}' is {Type(b.kind).describe()} here and "
                f"{Type(had).describe()} elsewhere",
                (),
                "give the two values different names: a deal records one value per name",
                location=at,
                said="basis_kinds",
                values={
                    "name": b.name,
                    **type_values("left", Type(b.kind)),
                    **type_values("right", Type(had)),
                },
                hint_said="different_names",
            )
    basis = {
        name: DATE
        if kind == "date"
        else Type(
            kind,
            extra=(
                (WRITTEN_AS_TEXT, True),
                ("minimum", -FIELD_NUMBER_BOUND),
                ("maximum", FIELD_NUMBER_BOUND),
            ),
        )
        for name, kind in sorted(kinds.items())
    }
    fields = []
    for name, t in deal.fields:
        if name == "approvals" and t.item is not None:
            entry = t.item
            kept = tuple(f for f in entry.fields if f[0] != "basis")  # the early, untyped one
            t = list_of(
                Type(
                    "object",
                    fields=(*kept, ("basis", object_of(basis))),
                    required=entry.required,
                )
            )
        fields.append((name, t))
    return Type("object", fields=tuple(fields), required=deal.required, extra=deal.extra)


def early_basis(ctx: Context, deal: Type) -> Type:
    """The deal type as facts see it: ``approvals[].basis`` with every name an approval may be
    bound to (a rule's ``basis:`` keys, a table's input, a chain's ``amount``), each of any
    type, so a fact can tell whether an approval covers a value (``a.basis.exposure >=
    facts.exposure``). Facts are checked before rules; ``with_basis`` types them later."""
    names = {"amount"}
    places = [("rules",)] + [("categories", c, "rules") for c in ctx.mapping(("categories",))]
    for base in places:
        for _, spec in ctx.items(base):
            if isinstance(spec, dict) and isinstance(spec.get("basis"), dict):
                names.update(k for k in spec["basis"] if isinstance(k, str))
    for _, spec in ctx.items(("tables",)):
        raw = spec.get("input") if isinstance(spec, dict) else None
        if isinstance(raw, str):
            m = re.fullmatch(r"\s*facts\.([A-Za-z_][A-Za-z0-9_]*)\s*", raw)
            names.add(m.group(1) if m else "value")
    basis = object_of(dict.fromkeys(sorted(names), ANY))
    return with_entry_field(deal, "basis", basis)


def with_entry_field(deal: Type, field: str, t: Type) -> Type:
    """The deal type with one more field on each ``approvals`` entry."""
    fields = []
    for name, ft in deal.fields:
        if name == "approvals" and ft.item is not None:
            entry = ft.item
            ft = list_of(
                Type("object", fields=(*entry.fields, (field, t)), required=entry.required)
            )
        fields.append((name, ft))
    return Type("object", fields=tuple(fields), required=deal.required, extra=deal.extra)


def sign_off_type(roles: tuple[str, ...]) -> Type:
    """A sign-off recorded like an approval: who signed, in which (declared) role, when;
    signed_off() tells whether it counts."""
    return object_of(
        {
            "by": person_type(min_length=1),
            "role": Type("string", values=roles),
            "on": DATE,
        },
        required=("by", "role"),
    )


def _field_type(
    ctx: Context,
    labels: dict[str, Label],
    spec: dict[str, Any],
    path: Path,
    roles: tuple[str, ...],
    recorded: dict[str, tuple[str, ...]],
) -> Type:
    kind = spec.get("type", "string")
    if spec.get("label"):
        labels[_field_name(path)] = label(spec["label"])
    if spec.get("recorded_by") is not None:
        _recorded_by(ctx, spec["recorded_by"], path, roles, recorded)
    extra: list[tuple[str, Any]] = []
    for key, schema_key in (
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("max_length", "maxLength"),
        ("max_items", "maxItems"),
    ):
        if key in spec:
            value = spec[key]
            extra.append((schema_key, float(value) if isinstance(value, Decimal) else value))
    _percent_bounds(ctx, kind, spec, path)
    if kind == "percent" and not spec.get("allow_above_100"):
        # 12 in a deal is 1,200%: refused (with "did you mean 12%?") unless meant
        if not any(k == "maximum" for k, _ in extra):
            extra.append(("maximum", 1))
        if not any(k == "minimum" for k, _ in extra):
            extra.append(("minimum", -1))
    if kind in ("money", "number", "decimal", "percent"):
        # hard magnitude limits keep absurd numbers away from the rules
        if not any(k == "maximum" for k, _ in extra):
            extra.append(("maximum", FIELD_NUMBER_BOUND))
        if not any(k == "minimum" for k, _ in extra):
            extra.append(("minimum", -FIELD_NUMBER_BOUND))
    if kind == "integer":
        if not any(k == "maximum" for k, _ in extra):
            extra.append(("maximum", FIELD_INTEGER_BOUND))
        if not any(k == "minimum" for k, _ in extra):
            extra.append(("minimum", -FIELD_INTEGER_BOUND))
    _misplaced_items(ctx, kind, spec, path)
    if kind == "list":
        item = _list_items(ctx, spec, path)
        item_t = (
            _field_type(ctx, labels, item, path + ("items",), roles, recorded)
            if isinstance(item, dict)
            else ANY
        )
        if not any(k == "maxItems" for k, _ in extra):
            extra.append(("maxItems", FIELD_MAX_ITEMS))
        return Type("list", item=item_t, extra=tuple(extra))
    if kind == "object":
        sub = spec.get("fields") or {}
        fields = {
            n: _field_type(ctx, labels, s, path + ("fields", n), roles, recorded)
            for n, s in sub.items()
            if isinstance(s, dict)
        }
        required = tuple(n for n, s in sub.items() if isinstance(s, dict) and s.get("required"))
        return Type("object", fields=tuple(fields.items()), required=required, extra=tuple(extra))
    if kind == "sign_off":
        return sign_off_type(roles)
    if kind == "person":  # a name compared as people are (same_person), never with ==
        return person_type(min_length=1)
    # the schema has reported anything but a list of texts (or texts with labels)
    values = allowed_values(spec.get("values"))
    if values and kind != "string":
        ctx.error(
            "bad-value",
            "allowed values are only for text fields",
            path + ("values",),
            said="values_text_fields",
        )
    base = SCALARS.get("number" if kind == "decimal" else kind, STRING)
    if kind == "string" and not any(k == "maxLength" for k, _ in extra):
        extra.append(("maxLength", 10000))
    return Type(base.kind, values=values, extra=tuple(extra))


def allowed_values(raw: Any) -> tuple[str, ...]:
    """``values: [a, b]`` or ``values: {a: label, b: label}`` -> ``("a", "b")``."""
    if isinstance(raw, dict):
        return tuple(k for k in raw if isinstance(k, str))
    return tuple(v for v in raw if isinstance(v, str)) if isinstance(raw, list) else ()


def value_labels(ctx: Context) -> dict[str, dict[str, Label]]:
    """The labels of enumerated values (``values: {economic: {en: ..., zh: ...}}``) of
    fields and facts, by the name a message's ``label`` filter gives: the fact's name, or
    the field's path as in ``customer.tier``, ``contacts[].attitude``. Each labelled value
    needs a label in every language the playbook's title uses."""
    out: dict[str, dict[str, Label]] = {}
    langs = _languages(ctx)
    found: list[tuple[str, Path, Any]] = []

    def walk(spec: Any, path: Path) -> None:
        if not isinstance(spec, dict) or ctx.is_bad(path):
            return
        found.append((_field_name(path), path, spec.get("values")))
        if isinstance(spec.get("items"), dict):
            walk(spec["items"], path + ("items",))
        for name, sub in (
            (spec.get("fields") or {}).items() if isinstance(spec.get("fields"), dict) else ()
        ):
            walk(sub, path + ("fields", name))

    for name, spec in ctx.mapping(("fields",)).items():
        walk(spec, ("fields", name))
    for name, spec in ctx.mapping(("facts",)).items():
        if isinstance(spec, dict) and not ctx.is_bad(("facts", name)):
            found.append((name, ("facts", name), spec.get("values")))
    for name, path, raw in found:
        if not isinstance(raw, dict):
            continue
        if name in out:
            ctx.error(
                "duplicate-labels",
                f"the values of fact '{name}' and field '{name}' are both labelled",
                path + ("values",),
                "a message's label('...') names one of them: rename the fact",
                key=True,
                said="both_labelled",
                values={"name": name},
                hint_said="rename_fact",
            )
            continue
        labels: dict[str, Label] = {}
        for value, text in raw.items():
            lab = label(text)
            for lang in langs:
                if not getattr(lab, lang):
                    ctx.error(
                        "missing-label",
                        f"value '{value}' of '{name}' has no {_LANG_NAMES[lang]} label",
                        path + ("values", value),
                        "write {en: ..., zh: ...}: the playbook's title is in "
                        f"{_LANG_NAMES[lang]} too, so its messages show this value in it",
                        said="missing_label",
                        values={"value": value, "name": name, "format": _LANG_NAMES[lang]},
                        hint_said="missing_label",
                    )
            labels[value] = lab
        out[name] = labels
    return out


_LANG_NAMES = {"en": "English", "zh": "Chinese"}


def _languages(ctx: Context) -> tuple[str, ...]:
    """The languages a playbook writes for people: those of its title (English when none)."""
    raw = ctx.get(("title",))
    if isinstance(raw, dict):
        return tuple(lang for lang in ("en", "zh") if raw.get(lang)) or ("en",)
    return ("en",)


def _percent_bounds(ctx: Context, kind: str, spec: dict[str, Any], path: Path) -> None:
    """A percentage field's bounds are fractions: maximum: 50 is 5,000%, unless the
    field says values above 100% are meant (allow_above_100: true)."""
    if spec.get("allow_above_100") and kind != "percent":
        ctx.error(
            "bad-key",
            f"allow_above_100 is for percentage fields; this one is type: {kind}",
            path + ("allow_above_100",),
            "remove it",
            key=True,
            said="allow_above_100",
            values={"kind": kind},
            hint_said="remove_it",
        )
    if kind != "percent" or spec.get("allow_above_100"):
        return
    for key in ("minimum", "maximum"):
        value = spec.get(key)
        if (
            isinstance(value, int | Decimal)
            and not isinstance(value, bool)
            and abs(Decimal(value)) > 1
        ):
            ctx.error(
                "percent-scale",
                f"{key}: {value} on a percentage field would mean {ex.percent_text(value)}",
                path + (key,),
                f"did you mean {value}%? a percentage field's bounds are fractions: "
                f"{key}: {format((Decimal(value) / 100).normalize(), 'f')} "
                "(or add allow_above_100: true)",
                said="field_percent_scale",
                values={
                    "key": key,
                    "value": value,
                    "percent": ex.percent_text(value),
                    "fraction": format((Decimal(value) / 100).normalize(), "f"),
                },
                hint_said="field_percent_scale",
            )


def _list_items(ctx: Context, spec: dict[str, Any], path: Path) -> Any:
    """A list's item spec; ``fields:`` written beside ``type: list`` (one indent too
    shallow) is reported where it is and read as the item fields that were meant, so
    the rules that use them are not reported too."""
    item = spec.get("items")
    beside = spec.get("fields")
    if not isinstance(beside, dict):
        return item
    name = _field_name(path)
    if item is None:
        message = (
            f"the item fields of list '{name}' are written beside type: list; "
            "a list describes its items under items:"
        )
        hint = "put them under items: {type: object, fields: ...}"
        said = "fields_beside_list"
        item = {"type": "object", "fields": beside}
    elif isinstance(item, dict) and item.get("type") == "object" and not item.get("fields"):
        message = (
            f"fields: stands beside type: list, so the item fields of list '{name}' "
            "are not declared (its items are objects with no fields)"
        )
        hint = "indent fields: under items:, beside its type: object"
        said = "fields_not_declared"
        item = {**item, "fields": beside}
    else:
        message = f"list '{name}' describes its items under items:; fields: here means nothing"
        hint = "remove fields:, or move them into items:"
        said = "fields_mean_nothing_here"
    # each message has words in every language by its key, its hint by the same
    ctx.error(
        "misplaced-fields",
        message,
        path + ("fields",),
        hint,
        key=True,
        said=said,
        values={"name": name},
        hint_said=said,
    )
    return item


def _misplaced_items(ctx: Context, kind: str, spec: dict[str, Any], path: Path) -> None:
    name = _field_name(path)
    if "fields" in spec and kind not in ("object", "list"):
        ctx.error(
            "misplaced-fields",
            f"'{name}' is type: {kind}, so its fields: mean nothing",
            path + ("fields",),
            "make it type: object, or remove fields:",
            key=True,
            said="fields_mean_nothing",
            values={"name": name, "kind": kind},
            hint_said="make_object",
        )
    if "items" in spec and kind != "list":
        ctx.error(
            "misplaced-items",
            f"'{name}' is type: {kind}, so its items: mean nothing",
            path + ("items",),
            "make it type: list, or remove items:",
            key=True,
            said="items_mean_nothing",
            values={"name": name, "kind": kind},
            hint_said="make_list",
        )


def _recorded_by(
    ctx: Context,
    raw: Any,
    path: Path,
    roles: tuple[str, ...],
    recorded: dict[str, tuple[str, ...]],
) -> None:
    """``recorded_by: [finance]``: the value is that role's word, not the deal owner's (the
    store lets only them, or an admin, write it); each role must be one the playbook declares."""
    if not isinstance(raw, list):  # the schema has reported it
        return
    known = []
    for i, role in enumerate(raw):
        if role in roles:
            known.append(str(role))
        else:
            ctx.unknown("role", role, path + ("recorded_by", i), roles, "declare it under roles:")
    if known:
        recorded[_field_name(path)] = tuple(dict.fromkeys(known))


def _field_name(path: Path) -> str:
    """("fields", "lines", "items", "fields", "model") -> "lines[].model"."""
    out = ""
    for part in path[1:]:
        if part == "fields":
            continue
        if part == "items":
            out += "[]"
        else:
            out += f".{part}" if out else str(part)
    return out
