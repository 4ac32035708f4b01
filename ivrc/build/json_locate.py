"""Where some values of a JSON request stand, found without reading the rest with positions.

`ivrc lint` reads a request with `json.loads`, where no value has a place: each node of the
tree gets a mark for its value's path instead (`Marked`). When the checks find something, the
findings' marks are looked up here: the text is walked only down the paths that lead to them,
and everything beside those paths is skipped whole by the C scanner of the `json` module. The
spans are the ones the exact reading (`json_text.parse_located`) gives, which
`tests/test_json_places.py` holds."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ivrc.build.emit import JsonPath
from ivrc.build.json_plain import Plain
from ivrc.build.json_text import line_starts
from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic

# The line and column of a mark: no request has that many lines, and a message that names a
# mark's line (`first on line …`) shows it, so that such a finding is placed by a second reading.
MARK = 987_654_321
_MARK_TEXT = str(MARK)

Want = tuple[bool, JsonPath]  # (a key's span rather than its value's, the value's path)


@dataclass
class Marked(Plain):
    """The fast reading's values, where the span of each value (and of each object key) is a
    mark that stands for its path: distinct for each, found again by `place`."""

    marks: dict[ast.Span, Want] = field(default_factory=dict)
    _of_values: dict[JsonPath, ast.Span] = field(default_factory=dict)
    _of_keys: dict[JsonPath, ast.Span] = field(default_factory=dict)

    def span(self, path: JsonPath) -> ast.Span:
        made = self._of_values.get(path)
        if made is None:
            if path not in self.values:
                return self.span(())
            made = self._of_values[path] = self._mark((False, path))
        return made

    def key(self, path: JsonPath) -> ast.Span:
        made = self._of_keys.get(path)
        if made is None:
            if not (path and isinstance(path[-1], str) and path in self.values):
                return self.span(path)
            made = self._of_keys[path] = self._mark((True, path))
        return made

    def _mark(self, want: Want) -> ast.Span:
        index = len(self.marks)
        # `tuple.__new__`: a named tuple's own constructor is a Python function, and the tree of
        # a request asks for hundreds of spans
        made: ast.Span = tuple.__new__(ast.Span, (MARK, MARK, MARK, MARK, index, index))
        self.marks[made] = want
        return made


def place(found: list[Diagnostic], plain: Plain | None, text: str) -> list[Diagnostic] | None:
    """FOUND with each mark replaced by the place it stands for; None when a finding's span is
    not a mark (a part of one, made by a check) or its words name a mark's line: those need the
    exact reading."""
    if not isinstance(plain, Marked):
        return None
    wanted: set[Want] = set()
    for finding in found:
        want = plain.marks.get(finding.span)
        if want is None or _MARK_TEXT in finding.message or (finding.help and _MARK_TEXT in finding.help):
            return None
        wanted.add(want)
    located = locate(text, wanted)
    if located is None:
        return None
    return sorted((d._replace(span=located[plain.marks[d.span]]) for d in found), key=lambda d: d.sort_key)


_SPACE = re.compile(r"[ \t\n\r]*")
# A member's key, its colon and the spaces up to its value; what follows a value, up to the next.
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"[ \t\n\r]*:[ \t\n\r]*', re.DOTALL)
_AFTER = re.compile(r"[ \t\n\r]*([,}\]])[ \t\n\r]*")
_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def locate(text: str, wanted: Collection[Want]) -> dict[Want, ast.Span] | None:
    """The span of each wanted value or key, as the exact reading gives it; None if the text
    is not the JSON the fast reading read (it always is)."""
    leads = {path[:depth] for _, path in wanted for depth in range(len(path))}
    of_values = {path for is_key, path in wanted if not is_key}
    of_keys = {path for is_key, path in wanted if is_key}
    starts = line_starts(text)
    spans: dict[Want, ast.Span] = {}

    def span(start: int, end: int) -> ast.Span:
        first = bisect.bisect_right(starts, start)
        last = bisect.bisect_right(starts, end, lo=first - 1)
        return ast.Span(first, start - starts[first - 1] + 1, last, end - starts[last - 1] + 1, start, end)

    def value(at: int, path: JsonPath) -> int:
        """Read (or skip) the value that begins at AT; where it ends."""
        opening = text[at]
        if path not in leads or opening not in "{[":
            end: int = _scan_once(text, at)[1]
        elif opening == "{":
            end = _members(at, path)
        else:
            end = _items(at, path)
        if path in of_values:
            spans[(False, path)] = span(at, end)
        return end

    def _members(at: int, path: JsonPath) -> int:
        at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
        if text[at] == "}":
            return at + 1
        while True:
            member = _KEY.match(text, at)
            assert member is not None
            written, closed = member.group(1), member.end(1) + 1
            inner = (*path, written if "\\" not in written else json.loads(text[at:closed]))
            if inner in of_keys:
                spans[(True, inner)] = span(at, closed)
            after = _AFTER.match(text, value(member.end(), inner))
            assert after is not None
            if after.group(1) == "}":
                return after.start(1) + 1
            at = after.end()

    def _items(at: int, path: JsonPath) -> int:
        at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
        if text[at] == "]":
            return at + 1
        index = 0
        while True:
            after = _AFTER.match(text, value(at, (*path, index)))
            assert after is not None
            if after.group(1) == "]":
                return after.start(1) + 1
            at = after.end()
            index += 1

    try:
        value(_SPACE.match(text).end(), ())  # type: ignore[union-attr]
    except (ValueError, IndexError, StopIteration, AssertionError):
        return None
    return spans if len(spans) == len(wanted) else None
