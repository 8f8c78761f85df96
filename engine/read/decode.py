"""Bytes in, text out: the encodings a file may use and the characters it may not hold."""

from __future__ import annotations

import re

from ..errors import Diagnostic, Location, values_of

# Characters that make two ids look equal or hide text (Trojan Source, zero-width joins).
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Code points that are not text: NUL (C strings and log lines end there) and a lone surrogate
# (half of a UTF-16 pair: it cannot be written to a file, a database or a terminal).
NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
# Both, for the one search the deal checker runs on every text value that is not ASCII.
REFUSED_IN_TEXT = re.compile(INVISIBLE.pattern[:-1] + NOT_TEXT.pattern[1:])


def decode(data: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes to text: UTF-8 (BOM allowed) or UTF-16 with a BOM; an error names the byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            return None, [_decode_problem(data, exc, file)]
    try:  # the utf-8-sig codec is slower: only for text that starts with a BOM
        return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [_decode_problem(data, exc, file)]


def _decode_problem(data: bytes, exc: UnicodeDecodeError, file: str) -> Diagnostic:
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    return Diagnostic(
        "encoding",
        f"not valid UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x})",
        Location(file, line, column),
        hint="save the file as UTF-8",
        said="not_utf8",
        values=values_of({"at": exc.start, "byte": f"{data[exc.start]:02x}"}),
        hint_said="save_utf8",
    )


def invisible_characters(text: str, file: str) -> list[Diagnostic]:
    out = []
    for m in INVISIBLE.finditer(text):
        if m.start() == 0 and m.group() == "\ufeff":
            continue  # a byte-order mark at the start is fine
        before = text[: m.start()]
        line = before.count("\n") + 1
        column = m.start() - (before.rfind("\n") + 1) + 1
        out.append(
            Diagnostic(
                "invisible-character",
                f"invisible or direction-changing character U+{ord(m.group()):04X}",
                Location(file, line, column),
                hint="delete it: such characters make two names look equal or hide text",
                said="invisible_character",
                values=values_of({"code": f"{ord(m.group()):04X}"}),
                hint_said="delete_invisible",
            )
        )
        if len(out) >= 20:
            break
    return out
