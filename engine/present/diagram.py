"""The stages of a checked playbook in, its stage diagram out: inline SVG for the HTML
handbook (boxes sized so every name fits, each move on a line of its own) and Mermaid for
Markdown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from ..check.model import PlaybookModel, Stage, Transition
from ..text import fmt_percent, word
from .words import Book

FONT = 13  # px: the stage names (svg text in the template's style)
PAD = 10  # px between a name and its box's side
MIN_W, MAX_W, GAP_X, LANE, MARGIN, ROW_W = 120, 200, 48, 12, 20, 1000
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def text_width(text: str, size: float = FONT) -> float:
    """A conservative width of ``text`` in px: 1em for a CJK character, 0.7em for a capital
    or digit, 0.6em for anything else (wider than most fonts draw them)."""
    em = 0.0
    for ch in text:
        if _CJK.match(ch) or unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch.isupper() or ch.isdigit():
            em += 0.7
        else:
            em += 0.6
    return em * size


def _units(text: str) -> list[str]:
    """Where a line may break: after a space, or around any CJK character."""
    return re.findall(
        r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef][，、）」]?|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+\s*|\s+",
        text,
    )


def wrap(text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` px (a word wider than that gets a line)."""
    lines: list[str] = []
    cur = ""
    for unit in _units(text):
        if cur and text_width((cur + unit).rstrip()) > width:
            lines.append(cur.rstrip())
            cur = unit.lstrip()
        else:
            cur += unit
    if cur.strip():
        lines.append(cur.rstrip())
    return lines or [""]


def stage_groups(model: PlaybookModel) -> list[tuple[list[str], list[Stage]]]:
    """Categories that share the same stages get one diagram."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for cat in model.categories:
        key = tuple(s.id for s in model.stages if s.used_by(cat))
        groups.setdefault(key, []).append(cat)
    by_id = {s.id: s for s in model.stages}
    return [(cats, [by_id[i] for i in key]) for key, cats in groups.items()]


@dataclass(frozen=True)
class _Layout:
    box_w: float
    box_h: float
    per_row: int
    lines: dict[str, list[str]]  # stage -> its name in lines


def layout(names: Mapping[str, str], show_win: bool) -> _Layout:
    """The narrowest boxes (from ``MIN_W`` to ``MAX_W``) in which every name fits in at
    most two lines; a name still too long at ``MAX_W`` takes more lines."""
    widest_unit = max((text_width(u.strip()) for n in names.values() for u in _units(n)), default=0)
    box_w = float(max(MIN_W, int(widest_unit + 2 * PAD + 0.999)))
    while box_w < MAX_W and any(len(wrap(n, box_w - 2 * PAD)) > 2 for n in names.values()):
        box_w += 10
    lines = {k: wrap(n, box_w - 2 * PAD) for k, n in names.items()}
    most = max((len(v) for v in lines.values()), default=1)
    box_h = 14 + most * 17 + (18 if show_win else 0) + 6
    per_row = max(1, int((ROW_W + GAP_X) // (box_w + GAP_X)))
    return _Layout(box_w, float(box_h), per_row, lines)


def diagram_svg(model: PlaybookModel, stages: list[Stage], lang: str, title: str) -> str:
    """An inline SVG of the stages (in their order) and the moves between them.

    Moves to the next stage are straight arrows; a move that skips stages arcs above the
    row; a move down to a later row and every move back (dashed) run along a lane of their
    own between the rows, so no two lines share a stretch and every name fits its box."""
    book = Book(model, lang)
    ids = [s.id for s in stages]
    order = {s: i for i, s in enumerate(ids)}
    moves = [t for t in model.transitions if t.source in order and t.target in order]
    spread = sorted({t.target for t in moves if t.from_any})
    direct = [t for t in moves if not t.from_any and t.source != t.target]
    show_win = any(s.win_probability for s in stages)  # procedures have no win rates
    lay = layout({s.id: book.label(s.label, s.id) for s in stages}, show_win)
    bw, bh, per = lay.box_w, lay.box_h, min(lay.per_row, max(len(stages), 1))
    rc = {s: divmod(i, per) for s, i in order.items()}  # stage -> (row, column)
    rows = (len(stages) + per - 1) // per

    # sort the moves into kinds; give each lane-using move its own lane
    nexts, skips, downs, backs = [], [], [], []
    for t in direct:
        (ra, ca), (rb, cb) = rc[t.source], rc[t.target]
        if order[t.target] < order[t.source]:
            backs.append(t)
        elif rb > ra:
            downs.append(t)
        elif cb == ca + 1:
            nexts.append(t)
        else:
            skips.append(t)

    def span(t: Transition) -> int:
        return abs(order[t.target] - order[t.source])

    back_lane: dict[int, int] = {}  # id(move) -> lane below the target's row
    down_lane: dict[int, int] = {}  # id(move) -> lane above the target's row
    skip_lane: dict[int, int] = {}
    for group, lanes in ((backs, back_lane), (downs, down_lane), (skips, skip_lane)):
        per_row_count: dict[int, int] = {}  # lanes of a row, the shortest move nearest
        for t in sorted(group, key=lambda t: (span(t), order[t.source])):
            r = rc[t.target][0]
            lanes[id(t)] = per_row_count.get(r, 0)
            per_row_count[r] = lanes[id(t)] + 1
    below = [sum(1 for t in backs if rc[t.target][0] == r) for r in range(rows)]
    above_down = [sum(1 for t in downs if rc[t.target][0] == r) for r in range(rows)]
    above_skip = [sum(1 for t in skips if rc[t.target][0] == r) for r in range(rows)]
    noted = [any(rc[s][0] == r for s in spread) for r in range(rows)]

    # rows from the top: room above (down lanes, skip arcs, the "from any" note), the
    # boxes, then room below (the lanes of moves back)
    tops: list[float] = []
    y = float(MARGIN)
    for r in range(rows):
        y += above_down[r] * LANE + (above_skip[r] * LANE + 14 if above_skip[r] else 0)
        y += 24 if noted[r] else (14 if above_down[r] else (8 if r else 0))
        tops.append(y)
        y += bh + (below[r] * LANE + 10 if below[r] else 0) + (24 if r < rows - 1 else 0)
    height = y + MARGIN
    width = 2 * MARGIN + per * (bw + GAP_X) - GAP_X

    def box(s: str) -> tuple[float, float]:
        r, c = rc[s]
        return MARGIN + c * (bw + GAP_X), tops[r]

    # where each lane-using move meets a box: spread along the box's top or bottom side
    ends: dict[tuple[str, str], list[tuple[float, int, str]]] = {}
    for t in backs + downs + skips:
        src_side = (
            "top"
            if (t in skips or (t in backs and rc[t.source][0] > rc[t.target][0]))
            else "bottom"
        )
        dst_side = "top" if t in downs or t in skips else "bottom"
        ends.setdefault((t.source, src_side), []).append((box(t.target)[0], id(t), "from"))
        ends.setdefault((t.target, dst_side), []).append((box(t.source)[0], id(t), "to"))
    attach: dict[tuple[int, str], tuple[float, float]] = {}
    for (sid, side), items in ends.items():
        # lines leave and reach the bottom of a box left of its middle and the top right
        # of it, so two lines never run down the same x between a box and the one below
        x0, y0 = box(sid)
        items.sort()
        step = min(14.0, (bw / 2 - 16) / max(len(items) - 1, 1))
        for i, (_x, key, end) in enumerate(items):
            if side == "top":
                ax = x0 + bw / 2 + 8 + i * step
            else:
                ax = x0 + bw / 2 - 8 - (len(items) - 1 - i) * step
            attach[(key, end)] = (ax, y0 if side == "top" else y0 + bh)

    out = [
        f'<svg class="diagram" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'aria-label="{escape(title)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for t in nexts:
        (ax, ay), (bx, _) = box(t.source), box(t.target)
        d = f"M{_n(ax + bw)},{_n(ay + bh / 2)} H{_n(bx)}"
        out.append(_path(t, d, back=False))
    for t in skips:
        (sx, sy), (tx, ty) = attach[(id(t), "from")], attach[(id(t), "to")]
        peak = sy - 14 - skip_lane[id(t)] * LANE
        out.append(_path(t, f"M{_n(sx)},{_n(sy)} V{_n(peak)} H{_n(tx)} V{_n(ty)}", back=False))
    for t in downs:
        (sx, sy), (tx, ty) = attach[(id(t), "from")], attach[(id(t), "to")]
        r = rc[t.target][0]
        lane = tops[r] - (24 if noted[r] else 14)
        lane -= above_skip[r] * LANE + 14 if above_skip[r] else 0
        lane -= down_lane[id(t)] * LANE
        out.append(_path(t, f"M{_n(sx)},{_n(sy)} V{_n(lane)} H{_n(tx)} V{_n(ty)}", back=False))
    for t in backs:
        (sx, sy), (tx, ty) = attach[(id(t), "from")], attach[(id(t), "to")]
        r = rc[t.target][0]
        lane = tops[r] + bh + 10 + back_lane[id(t)] * LANE
        out.append(_path(t, f"M{_n(sx)},{_n(sy)} V{_n(lane)} H{_n(tx)} V{_n(ty)}", back=True))
    for s in stages:
        x, y = box(s.id)
        cls = "stage terminal" if s.terminal else "stage"
        out.append(
            f'<g class="{cls}" data-stage="{escape(s.id)}">'
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bw)}" height="{_n(bh)}" rx="8"/>'
        )
        lines = lay.lines[s.id]
        first = y + (bh - (18 if show_win else 0) - len(lines) * 17) / 2 + 13
        for i, line in enumerate(lines):
            out.append(
                f'<text x="{_n(x + bw / 2)}" y="{_n(first + i * 17)}" class="name">'
                f"{escape(line)}</text>"
            )
        if show_win:
            out.append(
                f'<text x="{_n(x + bw / 2)}" y="{_n(y + bh - 10)}" class="win">'
                f"{escape(fmt_percent(s.win_probability))}</text>"
            )
        out.append("</g>")
        if s.id in spread:
            out.append(
                f'<text x="{_n(x + bw / 2)}" y="{_n(y - 6)}" class="note">'
                f"{escape(word(lang, 'handbook', 'any_open'))} ⇣</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _n(v: float) -> str:
    return f"{v:g}" if v != int(v) else str(int(v))


def _path(t: Transition, d: str, back: bool) -> str:
    cls = "move back" if back else "move"
    return (
        f'<path class="{cls}" data-from="{escape(t.source)}" data-to="{escape(t.target)}" '
        f'd="{d}" marker-end="url(#arrow)"/>'
    )


def mermaid(model: PlaybookModel, stages: list[Stage], lang: str) -> str:
    book = Book(model, lang)
    key = {s.id: f"s{i + 1}" for i, s in enumerate(stages)}  # ids stay out of the text
    lines = ["flowchart LR"]
    for s in stages:
        text = f"{_mermaid_text(book.label(s.label, s.id))}<br/>{fmt_percent(s.win_probability)}"
        shape = ("([", "])") if s.terminal else ("[", "]")
        lines.append(f'    {key[s.id]}{shape[0]}"{text}"{shape[1]}')
    seen_any = set()
    for t in model.transitions:
        if t.source not in key or t.target not in key:
            continue
        if t.from_any:
            if t.target not in seen_any:
                seen_any.add(t.target)
                note = word(lang, "handbook", "any_open")
                lines.append(f'    a{key[t.target]}(("{note}")) -.-> {key[t.target]}')
            continue
        lines.append(f"    {key[t.source]} --> {key[t.target]}")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    """A playbook's words inside a quoted Mermaid label: characters that would end the label,
    start a new statement or become HTML are written as Mermaid's ``#code;`` entities."""
    return "".join(
        f"#{ord(c)};" if c in '"<>&#`\\[](){}|;' else " " if c in "\r\n" else c for c in text
    )
