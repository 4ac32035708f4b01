"""Diagnostics for people: the rustc layout, with the source line and its span underlined."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ivrc.diagnostics import Diagnostic, Severity

# A line longer than this is shown as a window around the span.
WINDOW = 120
_COLOURS = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _shown(char: str) -> str:
    """What stands for a character in the excerpt: tabs as spaces, control characters as �."""
    if char == "\t":
        return "    "
    if not char.isprintable() and unicodedata.category(char) != "Cf":
        return "\ufffd"
    return char


def excerpt(line: str, start: int, end: int) -> tuple[str, str]:
    """The line as shown and its underline, for 0-based character offsets [start, end)."""
    end = max(end, start + 1)
    if len(line) > WINDOW:
        left = max(0, start - WINDOW // 3)
        right = min(len(line), max(left + WINDOW, end))
        right = min(right, left + WINDOW * 2)
        prefix = "…" if left else ""
        line = prefix + line[left:right] + ("…" if right < len(line) else "")
        shift = left - len(prefix)
        start, end = start - shift, min(end - shift, len(line))
    shown = [_shown(c) for c in line]
    pad = sum(sum(_width(c) for c in s) for s in shown[:start])
    marks = sum(sum(_width(c) for c in s) for s in shown[start:end]) or 1
    return "".join(shown).rstrip(), " " * pad + "^" * marks


def text(diagnostic: Diagnostic, source: str | None, colour: bool = False) -> str:
    """`path:line:col: error[rule]: message`, the source line underlined, then `help:`."""
    d = diagnostic
    head = _paint(f"{d.severity.value}[{d.rule}]", _COLOURS[d.severity], colour)
    out = [f"{d.path}:{d.line}:{d.column}: {head}: {d.message}"]
    lines = source.split("\n") if source is not None else []
    if 0 < d.line <= len(lines):
        line = lines[d.line - 1].rstrip("\r")
        end = d.end_column - 1 if d.end_line == d.line else len(line)
        shown, underline = excerpt(line, d.column - 1, end)
        gutter = " " * len(str(d.line))
        bar = _paint("|", "1;34", colour)
        out.append(f"{gutter} {bar}")
        out.append(f"{_paint(str(d.line), '1;34', colour)} {bar} {shown}")
        out.append(f"{gutter} {bar} {_paint(underline, _COLOURS[d.severity], colour)}")
    if d.help:
        gutter = " " * len(str(d.line))
        out.append(f"{gutter} = {_paint('help', '1', colour)}: {d.help}")
    return "\n".join(out)


def summary(diagnostics: Iterable[Diagnostic], files: int) -> str:
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    noun = "file" if files == 1 else "files"
    if not parts:
        return f"All checks passed ({files} {noun})."
    return f"Found {', '.join(parts)} in {files} {noun}."
