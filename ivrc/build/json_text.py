"""JSON with positions: every value and key of a request with its line and column, so that a
finding points at the value. The JSON grammar (`grammar/json.lark`, read by Lark) defines the
reading; text that `json.loads` takes is read at its speed, and its positions found by one
regular expression, held to Lark's in the tests."""

from __future__ import annotations

import bisect
import functools
import json
import re
from decimal import Decimal
from itertools import accumulate, repeat
from operator import add
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput
from lark.tree import Meta

from ivrc.language import ast
from ivrc.language import syntax as syntax_error
from ivrc.language.diagnostics import Diagnostic
from ivrc.language.parser import lalr_parser
from ivrc.language.transformer import meta_span, token_span


class JValue:
    """A JSON value and its span; objects keep every pair, duplicates included. A plain class
    with slots: a request's every value is one, made in the reading's inner loop."""

    __slots__ = ("pairs", "span", "value")

    def __init__(self, value: Any, span: ast.Span, pairs: list[tuple[JValue, JValue]] | None = None) -> None:
        self.value = value
        self.span = span
        self.pairs = pairs if pairs is not None else []

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JValue):
            return NotImplemented
        return (self.value, self.span, self.pairs) == (other.value, other.span, other.pairs)

    def __repr__(self) -> str:
        return f"JValue({self.value!r}, {self.span!r}, {self.pairs!r})"


@v_args(meta=True)
class _ToValues(Transformer[Token, JValue]):
    def string(self, meta: Meta, children: list[Token]) -> JValue:
        return JValue(json.loads(str(children[0])), token_span(children[0]))

    def number(self, meta: Meta, children: list[Token]) -> JValue:
        return JValue(decimal(str(children[0])), token_span(children[0]))

    def true(self, meta: Meta, children: list[Token]) -> JValue:
        return JValue(True, meta_span(meta))

    def false(self, meta: Meta, children: list[Token]) -> JValue:
        return JValue(False, meta_span(meta))

    def null(self, meta: Meta, children: list[Token]) -> JValue:
        return JValue(None, meta_span(meta))

    def array(self, meta: Meta, children: list[JValue | None]) -> JValue:
        return JValue([c for c in children if c is not None], meta_span(meta))

    def pair(self, meta: Meta, children: list[Any]) -> tuple[JValue, JValue]:
        key, value = children
        return (JValue(json.loads(str(key)), token_span(key)), value)

    def object(self, meta: Meta, children: list[Any]) -> JValue:
        pairs = [c for c in children if c is not None]
        return JValue({k.value: v for k, v in pairs}, meta_span(meta), pairs)


@functools.cache
def json_parser() -> Lark:
    return lalr_parser("json")


def parse_lark(text: str) -> tuple[JValue | None, list[Diagnostic]]:
    try:
        tree = json_parser().parse(text)
    except UnexpectedInput as error:
        return None, [syntax_error.describe(error, text, json_parser())]
    try:
        return _ToValues().transform(tree), []
    except Exception as error:  # json.loads of a string token: a bad escape such as \x
        cause = getattr(error, "orig_exc", error)
        return None, [
            Diagnostic(
                syntax_error.NAME,
                syntax_error.SEVERITY,
                f"a JSON string cannot be read: {cause}",
                _failed_string(text, tree),
            )
        ]


# Where every value stands when positions were not worked out: the fast reading's spans.
NOWHERE = ast.Span(1, 1, 1, 1, 0, 0)


class Fallback(Exception):
    """The fast reading cannot vouch for this text: the exact reading decides."""


def _refuse(constant: str) -> Any:
    raise Fallback(constant)  # NaN and Infinity are not JSON; the exact reading says so


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise Fallback("a key repeats")  # a finding: the exact reading says where
    return found


def decimal(literal: str) -> Decimal | float:
    """A JSON number as a Decimal; one whose exponent is too large even for a Decimal
    (`2e999…9`) as the float it rounds to, inf or 0.0, which the checks refuse as it is."""
    try:
        return Decimal(literal)
    except ArithmeticError:
        return float(literal)


def parse_fast(text: str) -> Any:
    """`json.loads` at C speed, as plain values without positions (numbers as Decimals);
    Fallback for anything it cannot vouch for, a repeated key among them."""
    try:
        return json.loads(
            text, object_pairs_hook=_object, parse_float=decimal, parse_int=Decimal, parse_constant=_refuse
        )
    except (ValueError, RecursionError, ArithmeticError) as error:
        raise Fallback(str(error)) from None


def line_starts(text: str) -> list[int]:
    """Where each line of TEXT starts, then the last one's end + 1; in C: each line's length and
    its line end, added up."""
    return list(accumulate(map(add, map(len, text.split("\n")), repeat(1)), initial=0))


_TOKEN = re.compile(
    r'"(?:[^"\\\x00-\x1f]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|[{}\[\]]'
)
_LITERALS = {"true": True, "false": False, "null": None}


def parse_located(text: str) -> tuple[JValue | None, list[Diagnostic]]:
    """The values with their spans, as the Lark reading gives them, in one pass of a regular
    expression over text that `json.loads` has found to be JSON: tens of times faster than Lark
    on a large request. Text that is not JSON goes to Lark, whose errors say where and why."""
    try:
        json.loads(text, parse_constant=_refuse)  # JSON, or Lark says where it is not
    except (ValueError, RecursionError, Fallback):
        return parse_lark(text)
    starts = line_starts(text)
    line = 1  # tokens come in order: the line of the last one is where to look for the next

    def block(start: int, end: int) -> ast.Span:
        """An array's or object's span, from its opening bracket (lines back) to its closing one."""
        first = bisect.bisect_right(starts, start)
        last = bisect.bisect_right(starts, end, lo=first - 1)
        return ast.Span(first, start - starts[first - 1] + 1, last, end - starts[last - 1] + 1, start, end)

    root: JValue | None = None
    # (start, items or pairs, the pending key): one entry for each array or object still open.
    stack: list[tuple[int, list[Any], list[JValue | None] | None]] = []
    literals = _LITERALS
    for found in _TOKEN.finditer(text):
        token = found.group()
        first = token[0]
        if first == "[" or first == "{":
            stack.append((found.start(), [], None if first == "[" else [None]))
            continue
        if first == "]" or first == "}":
            start, items, pending = stack.pop()
            located = block(start, found.end())
            if pending is None:
                value = JValue(items, located)
            else:
                value = JValue({k.value: v for k, v in items}, located, items)
        else:
            # A scalar lies on one line, at or after the last token's (inlined: this is the loop
            # that a request's every value goes through).
            start, end = found.span()
            while starts[line] <= start:
                line += 1
            column = starts[line - 1]
            located = ast.Span(line, start - column + 1, line, end - column + 1, start, end)
            if first == '"':
                value = JValue(token[1:-1] if "\\" not in token else json.loads(token), located)
            elif token in literals:
                value = JValue(literals[token], located)
            else:
                value = JValue(decimal(token), located)
        if not stack:
            root = value
            continue
        _, items, key = stack[-1]
        if key is None:  # an array's item
            items.append(value)
        elif key[0] is None:  # an object's key
            key[0] = value
        else:
            items.append((key[0], value))
            key[0] = None
    return root, []


def _failed_string(text: str, tree: Any) -> ast.Span:
    for token in tree.scan_values(lambda v: isinstance(v, Token) and v.type == "STRING"):
        try:
            json.loads(str(token))
        except ValueError:
            return token_span(token)
    return ast.Span(1, 1, 1, 2)


# A request nests about eight levels deep; far deeper JSON is refused before it is parsed, as
# it would exhaust the parser's recursion.
MAX_DEPTH = 64
_OPENING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{\]}]')


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def too_deep(text: str) -> Diagnostic | None:
    """A syntax error at the bracket that opens level MAX_DEPTH + 1, or None."""
    # The brackets alone, outside strings, in one pass of each regular expression: most texts
    # are shallow, and only a deep one is walked again for the place.
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            break
    else:
        return None
    depth = 0
    for match in _OPENING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                column = start - (text.rfind("\n", 0, start) + 1) + 1
                span = ast.Span(line, column, line, column + 1, start, start + 1)
                return Diagnostic(
                    syntax_error.NAME,
                    syntax_error.SEVERITY,
                    f"the JSON nests deeper than {MAX_DEPTH} levels here",
                    span,
                    "a request nests a few levels deep; this is not one",
                )
        elif token in "]}":
            depth -= 1
    return None
