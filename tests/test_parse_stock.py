"""ivrc's parser against Lark's stock one on the same grammar: the quicker lexer
(`ivrc.language.lexing`) and the one loop that parses a clean text (`ivrc.language.quick_parse`)
read the same tokens at the same places and fail where Lark fails, and the syntax tree built
during the parse (`ivrc.language.transformer`) has the spans Lark's own position propagation
gives."""

from __future__ import annotations

import functools
from typing import Any

from conftest import EXAMPLES
from hypothesis import given
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from test_properties import anything, flows

from ivrc.language import ast
from ivrc.language.lexing import IvrLexer
from ivrc.language.parser import lalr_parser, parse
from ivrc.language.quick_parse import NotClean, parse_clean
from ivrc.language.transformer import meta_span

EVERY_EXAMPLE = sorted(EXAMPLES.rglob("*.ivr"))


@functools.cache
def _parsers() -> tuple[Lark, Lark]:
    options: dict[str, Any] = {"keep_all_tokens": True, "propagate_positions": False}
    return lalr_parser("ivr", lexer=IvrLexer, **options), lalr_parser("ivr", lexer="contextual", **options)


@functools.cache
def _stock_with_positions() -> Lark:
    return lalr_parser("ivr")  # a tree, with Lark's positions


def _read(parser: Lark, text: str) -> tuple[str, Any]:
    """Every token of the parse, with its place; or where and how it failed."""
    try:
        tree = parser.parse(text)
    except UnexpectedInput as error:
        token = getattr(error, "token", None)
        return "error", (
            type(error).__name__,
            error.line,
            error.column,
            getattr(error, "pos_in_stream", None),
            sorted(getattr(error, "allowed", None) or getattr(error, "expected", None) or ()),
            None if token is None else _place(token),
        )
    tokens = [_place(t) for t in tree.scan_values(lambda v: isinstance(v, Token))]
    return "tokens", tokens


def _place(token: Token) -> tuple[Any, ...]:
    return (token.type, str(token), token.line, token.column, token.end_line, token.end_column, token.start_pos)


def _same_reading(text: str) -> None:
    quick, stock = _parsers()
    expected = _read(stock, text)
    assert _read(quick, text) == expected
    # And the one loop that reads a text without errors (`quick_parse`), or gives up on it.
    try:
        tree = parse_clean(quick, text)
    except NotClean:
        assert expected[0] == "error"
    else:
        assert ("tokens", [_place(t) for t in tree.scan_values(lambda v: isinstance(v, Token))]) == expected


@given(anything)
def test_the_quick_lexer_reads_any_text_as_lark_does(text):
    _same_reading(text)


@given(flows())
def test_the_quick_lexer_reads_whole_flows_as_lark_does(text):
    _same_reading(text)


def test_the_quick_lexer_reads_every_example_as_lark_does():
    assert EVERY_EXAMPLE
    for example in EVERY_EXAMPLE:
        text = example.read_text(encoding="utf-8")
        kind, tokens = _read(_parsers()[0], text)
        assert kind == "tokens" and len(tokens) > 20, example
        _same_reading(text)
        _same_reading(text.replace("\n", "\r\n"))  # spaces of every kind between the tokens
        _same_reading(text[: len(text) // 2])  # and cut off, an error


def _spans(node: Any) -> list[tuple[str, ast.Span]]:
    """The statements of the file and of each block, two levels down, in order."""
    found: list[tuple[str, ast.Span]] = []
    for item in node.items:
        found.append((type(item).__name__, item.span))
        for inner in getattr(item, "body", ()):
            found.append((type(inner).__name__, inner.span))
            for action in getattr(inner, "actions", ()):
                found.append((type(action).__name__, action.span))
    return found


def _stock_spans(tree: Tree[Any]) -> list[ast.Span]:
    found: list[ast.Span] = []
    for item in tree.children:
        if not isinstance(item, Tree):
            continue
        found.append(meta_span(item.meta))
        for inner in item.children:
            if not isinstance(inner, Tree):
                continue
            found.append(meta_span(inner.meta))
            if inner.data.startswith("handler"):
                found.extend(meta_span(a.meta) for a in inner.children[1:] if isinstance(a, Tree))
    return found


def _same_spans(text: str) -> None:
    parsed = parse(text)
    if parsed.diagnostics or parsed.flow is None:
        return
    stock = _stock_with_positions().parse(text)
    assert parsed.flow.span == meta_span(stock.meta)
    assert [span for _, span in _spans(parsed.flow)] == _stock_spans(stock)


@given(flows())
def test_the_tree_built_in_the_parse_has_lark_s_spans(text):
    _same_spans(text)


def test_every_example_s_tree_has_lark_s_spans():
    for example in EVERY_EXAMPLE:
        text = example.read_text(encoding="utf-8")
        _same_spans(text)
        assert len(_spans(parse(text).flow)) > 3, example  # type: ignore[arg-type]


def test_an_empty_file_and_one_of_comments_have_the_first_place():
    for text in ("", "# nothing\n\n", ";;"):
        flow = parse(text).flow
        assert flow is not None and flow.items == ()
    assert parse("").flow.span == ast.Span(1, 1, 1, 1, 0, 0)  # type: ignore[union-attr]
