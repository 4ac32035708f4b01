"""Parsing again only what an edit touched, for the language server.

A document is cut into its top-level blocks (`region`, `dialer`, `simple_dialer`, `step`), each
starting a line, and the gaps between them (space, comments, `;`). Each block is parsed on its
own and kept by its text; after an edit, a block whose text did not change is taken from the
cache and moved to its new place (lines and offsets shift, columns do not), and only the changed
blocks go through the parser. The result is the same `Parsed` a whole parse gives; the tests
hold that, edit after edit.

Anything this does not handle as a whole parse would (a syntax error anywhere, a block that does
not start a line, braces that do not close) makes it step aside: the whole text is parsed, as
without it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from ivrc.language import ast
from ivrc.language.parser import Parsed, parse

_REGION = re.compile(r"region[ \t]+[A-Za-z_][A-Za-z0-9_-]*")
_KEYWORD = re.compile(r"(step|dialer|simple_dialer)(?![A-Za-z0-9_-])")
_COMMENT = re.compile(r"#[^\n]*")
_STRING = re.compile(r'"[^"\\\n]*(\\.[^"\\\n]*)*"')
_SPECIAL = re.compile(r'[{}"#]')  # what changes the depth of braces, or hides a brace


class Reuse:
    """The blocks of one document's last parse, by their text: where each stood (line and
    offset) and its AST there."""

    def __init__(self) -> None:
        self.blocks: dict[str, tuple[int, int, ast.Item, tuple[ast.Comment, ...]]] = {}
        self.reused = 0  # blocks taken from the cache by the last parse, for the tests


def parse_reusing(text: str, reuse: Reuse, path: str = "<string>") -> Parsed:
    """What `parse(text, path)` gives, parsing only blocks whose text is new."""
    cut = _cut(text)
    if cut is None:
        return parse(text, path)
    blocks, gap_comments, separators = cut
    kept: dict[str, tuple[int, int, ast.Item, tuple[ast.Comment, ...]]] = {}
    items: list[ast.Item] = []
    comments: list[ast.Comment] = list(gap_comments)
    reuse.reused = 0
    for start, line, source in blocks:
        known = reuse.blocks.get(source) or kept.get(source)
        if known is None:
            alone = parse(source, path)  # at line 1, offset 0
            if alone.diagnostics or alone.flow is None or len(alone.flow.items) != 1:
                return parse(text, path)  # errors are reported as a whole parse reports them
            known = (1, 0, alone.flow.items[0], alone.flow.comments)
        else:
            reuse.reused += 1
        was_line, was_start, item, inner = known
        if (was_line, was_start) != (line, start):  # the block moved: only lines and offsets change
            item, inner = (
                _shift(item, line - was_line, start - was_start),
                _shift(inner, line - was_line, start - was_start),
            )
        kept[source] = (line, start, item, inner)
        items.append(item)
        comments.extend(inner)
    reuse.blocks = kept
    comments.sort(key=lambda c: c.span.start)
    return Parsed(ast.Flow(tuple(items), _flow_span(items, separators), tuple(comments)), ())


def _cut(text: str) -> tuple[list[tuple[int, int, str]], list[ast.Comment], list[ast.Span]] | None:
    """(offset, line, text) of each block, the comments and `;` between blocks; None for text
    this cannot cut the way the grammar reads it."""
    blocks: list[tuple[int, int, str]] = []
    comments: list[ast.Comment] = []
    separators: list[ast.Span] = []
    index, line, line_start = 0, 1, 0
    size = len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            index, line, line_start = index + 1, line + 1, index + 1
        elif char in " \t\r\f":
            index += 1
        elif char == "#":
            end = _COMMENT.match(text, index).end()  # type: ignore[union-attr]
            column = index - line_start + 1
            comments.append(
                ast.Comment(text[index:end], ast.Span(line, column, line, column + end - index, index, end))
            )
            index = end
        elif char == ";":
            column = index - line_start + 1
            separators.append(ast.Span(line, column, line, column + 1, index, index + 1))
            index += 1
        else:
            if index != line_start:
                return None  # a block that does not start its line
            end = _block_end(text, index)
            if end is None:
                return None
            blocks.append((index, line, text[index:end]))
            line += text.count("\n", index, end)
            last_newline = text.rfind("\n", index, end)
            line_start = last_newline + 1 if last_newline >= 0 else line_start
            index = end
    return blocks, comments, separators


def _block_end(text: str, start: int) -> int | None:
    """Where the block that starts at `start` ends: after a region's code, or its closing brace."""
    region = _REGION.match(text, start)
    if region is not None:
        return region.end()
    if _KEYWORD.match(text, start) is None:
        return None
    depth = 0
    index = start
    while True:
        found = _SPECIAL.search(text, index)
        if found is None:
            return None
        index = found.start()
        char = text[index]
        if char == '"':
            string = _STRING.match(text, index)
            if string is None:
                return None
            index = string.end()
        elif char == "#":
            index = _COMMENT.match(text, index).end()  # type: ignore[union-attr]
        else:
            depth += 1 if char == "{" else -1
            index += 1
            if depth == 0:
                return index
            if depth < 0:
                return None


_PLAIN = frozenset(
    {
        "str",
        "int",
        "bool",
        "Decimal",
        "int | None",
        'Literal["remove", "custom"]',
        'Literal["in", "at"]',
        'Literal["dialer", "simple_dialer"]',
    }
)
_SHIFTERS: dict[type, Callable[[Any, int, int], Any]] = {}


def _shift(node: Any, lines: int, offset: int) -> Any:
    """The node moved down `lines` lines and on `offset` characters (columns stay)."""
    kind = type(node)
    shifter = _SHIFTERS.get(kind)
    if shifter is None:
        shifter = _SHIFTERS.setdefault(kind, _shifter(kind))
    return shifter(node, lines, offset)


def _shifter(kind: type) -> Callable[[Any, int, int], Any]:
    """A function that moves one kind of node: written out for its fields, as dataclasses
    write `__init__`, because a big document moves tens of thousands of nodes per edit."""
    if kind is ast.Span:
        return lambda s, lines, o: ast.Span(s[0] + lines, s[1], s[2] + lines, s[3], s[4] + o, s[5] + o)
    if kind is tuple:
        return lambda t, lines, o: tuple([_shift(child, lines, o) for child in t])
    if not is_dataclass(kind):
        return lambda node, lines, o: node
    parts = []
    for field in fields(kind):
        if field.type == "Span":
            parts.append(
                f"Span(n.{field.name}[0] + l, n.{field.name}[1], n.{field.name}[2] + l, n.{field.name}[3], "
                f"n.{field.name}[4] + o, n.{field.name}[5] + o)"
            )
        elif field.type in _PLAIN:
            parts.append(f"n.{field.name}")
        else:
            parts.append(f"shift(n.{field.name}, l, o)")
    namespace: dict[str, Any] = {"Span": ast.Span, "shift": _shift, "kind": kind}
    exec(f"def move(n, l, o):\n    return kind({', '.join(parts)})", namespace)  # noqa: S102 (code made here from field names)
    return namespace["move"]  # type: ignore[no-any-return]


def _flow_span(items: list[ast.Item], separators: list[ast.Span]) -> ast.Span:
    """As lark places the whole file: from its first token to its last, comments aside."""
    spans = [item.span for item in items] + separators
    if not spans:
        return ast.Span(1, 1, 1, 1, 0, 0)
    first = min(spans, key=lambda s: s.start)
    last = max(spans, key=lambda s: s.end)
    return ast.Span(first.line, first.column, last.end_line, last.end_column, first.start, last.end)
