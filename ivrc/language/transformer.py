"""Lark's parse to the typed AST (`ivrc.language.ast`), built as the parser reduces."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lark import Token
from lark.tree import Meta

from ivrc.language import ast

_UNITS = {"ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}

# Keyword as written -> the API field the setting produces.
_FIELDS = {
    "return_address": "return_address",
    "number": "number",
    "cli": "cli",
    "dtmf": "dtmf_originator",
    "max_retries": "max_retries",
    "ring_timeout": "ring_timeout",
    "retry_wait_time": "retry_wait_time",
    "answer_delay": "answer_delay",
    "leg_a": "leg_a",
    "leg_b": "leg_b",
}


def token_span(token: Token) -> ast.Span:
    return ast.Span(
        token.line or 1,
        token.column or 1,
        token.end_line or token.line or 1,
        token.end_column or token.column or 1,
        token.start_pos or 0,
        token.end_pos or 0,
    )


def meta_span(meta: Meta) -> ast.Span:
    if meta.empty:
        return ast.Span(1, 1, 1, 1, 0, 0)
    return ast.Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)


def unquote(literal: str) -> str:
    """Decode a string literal: `\\"`, `\\\\`, `\\n` and `\\t`; any other escape stays as written."""
    body = literal[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _text(token: Token) -> ast.Text:
    return ast.Text(unquote(str(token)), token_span(token))


def _text_or_field(token: Token) -> ast.Text | ast.Field:
    if token.type == "FIELD":
        return ast.Field(str(token).split(".", 1)[1], token_span(token))
    return _text(token)


def _name(token: Token) -> ast.Name:
    if token.type == "STRING":
        return ast.Name(unquote(str(token)), token_span(token))
    return ast.Name(str(token), token_span(token))


def _duration(token: Token) -> ast.Duration:
    text = str(token)
    unit = "ms" if text.endswith("ms") else text[-1]
    return ast.Duration(Decimal(text[: -len(unit)]) * _UNITS[unit], text, token_span(token))


_EMPTY = ast.Span(1, 1, 1, 1, 0, 0)

# The tokens a rule's method reads; the others are keywords and punctuation.
_NAMED = frozenset({"NAME", "STRING", "FIELD", "INT", "KEY", "DURATION", "TIME", "GENDER"})


def _values(children: list[Any]) -> list[Any]:
    """A rule's children without its keywords and punctuation: its nodes and named tokens."""
    return [c for c in children if not isinstance(c, Token) or c.type in _NAMED]


def _span(children: list[Any]) -> ast.Span:
    """From the first child's start to the last one's end: a token, or a node with its span."""
    if not children:
        return _EMPTY
    first, last = children[0], children[-1]
    if isinstance(first, Token):
        line, column, start = first.line or 1, first.column or 1, first.start_pos or 0
    else:
        line, column, start = first.span.line, first.span.column, first.span.start
    if isinstance(last, Token):
        end_line, end_column, end = last.end_line or line, last.end_column or column, last.end_pos or 0
    else:
        end_line, end_column, end = last.span.end_line, last.span.end_column, last.span.end
    return ast.Span(line, column, end_line, end_column, start, end)


def _keyword(span: ast.Span, word: str) -> ast.Name:
    """The span of the keyword that opens a rule."""
    end = span.column + len(word)
    return ast.Name(word, ast.Span(span.line, span.column, span.line, end, span.start, span.start + len(word)))


def _value(token: Token) -> ast.Value:
    if token.type in ("STRING", "FIELD"):
        return _text_or_field(token)
    if token.type == "INT":
        return ast.Integer(ast.whole(str(token)), token_span(token))
    if token.type == "DURATION":
        return _duration(token)
    raise ValueError(f"no value for token {token.type}")


class ToAst:
    """Builds the AST inside Lark's parse (its `transformer=` option): each method receives
    every child of its rule, keywords and punctuation included (the parser keeps all tokens),
    so that the node's span runs from its first token to its last without Lark propagating
    positions, and no parse tree is built to be walked again: together half of a parse."""

    def start(self, children: list[Any]) -> ast.Flow:
        return ast.Flow(tuple(_values(children)), _span(children))

    def region(self, children: list[Any]) -> ast.Region:
        return ast.Region(_name(children[1]), _span(children))

    # ---- requests
    def _request(self, kind: str, children: list[Any]) -> ast.Request:
        span = _span(children)
        body = _values(children)
        unique_id = None
        if body and isinstance(body[0], Token) and body[0].type == "STRING":
            unique_id, body = _text(body[0]), body[1:]
        return ast.Request(kind, _keyword(span, kind), unique_id, tuple(body), span)  # type: ignore[arg-type]

    def dialer(self, children: list[Any]) -> ast.Request:
        return self._request("dialer", children)

    def simple_dialer(self, children: list[Any]) -> ast.Request:
        return self._request("simple_dialer", children)

    def _setting(self, children: list[Any]) -> ast.Setting:
        keyword, value = children
        return ast.Setting(_FIELDS[str(keyword)], _name(keyword), _value(value), _span(children))

    dialer_setting = _setting
    simple_setting = _setting

    def _flag(self, field: str, children: list[Any]) -> ast.Setting:
        span = _span(children)
        return ast.Setting(field, _keyword(span, "numbers"), ast.Flag(span), span)

    def from_queue(self, children: list[Any]) -> ast.Setting:
        return self._flag("numbers_from_queue", children)

    def from_campaign(self, children: list[Any]) -> ast.Setting:
        return self._flag("from_campaign", children)

    def schedule_in(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        value = ast.Schedule("in", _duration(children[-1]), span)
        return ast.Setting("schedule", _keyword(span, "schedule"), value, span)

    def schedule_at(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        time = children[-1]
        value = ast.Schedule("at", ast.Time(str(time), token_span(time)), span)
        return ast.Setting("schedule", _keyword(span, "schedule"), value, span)

    def dial_at(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        time = ast.Time(str(children[1]), token_span(children[1]))
        return ast.Setting("dial_at", _keyword(span, "dial_at"), time, span)

    def leg(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        keyword, number, *rest = children
        options = {str(rest[i]): _text(rest[i + 1]) for i in range(0, len(rest), 2)}
        leg = ast.Leg(_text(number), options.get("cli"), options.get("dtmf"), span)
        return ast.Setting(_FIELDS[str(keyword)], _name(keyword), leg, span)

    def sound_text(self, children: list[Any]) -> ast.Say:
        span = _span(children)
        return ast.Say(ast.SpokenPrompt((_text(children[-1]),), (), False, span), span)

    def sound_file(self, children: list[Any]) -> ast.Say:
        span = _span(children)
        return ast.Say(ast.FilePrompt(_text(children[-1]), span), span)

    # ---- steps
    def step(self, children: list[Any]) -> ast.Step:
        values = _values(children)
        return ast.Step(_name(values[0]), tuple(values[1:]), _span(children))

    def voice(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        return ast.Setting("gender", _keyword(span, "voice"), _name(children[1]), span)

    def timeout(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        return ast.Setting("dtmf_ivr_timeout", _keyword(span, "timeout"), _duration(children[1]), span)

    def retries(self, children: list[Any]) -> ast.Setting:
        span = _span(children)
        value = ast.Integer(ast.whole(str(children[1])), token_span(children[1]))
        return ast.Setting("dtmf_ivr_retries", _keyword(span, "retries"), value, span)

    def say_text(self, children: list[Any]) -> ast.Say:
        span = _span(children)
        texts = tuple(_text(t) for t in _values(children))
        return ast.Say(ast.SpokenPrompt(texts, (), False, span), span)

    def say_with(self, children: list[Any]) -> ast.Say:
        span = _span(children)
        values = _values(children)
        return ast.Say(ast.SpokenPrompt((_text(values[0]),), tuple(values[1:]), True, span), span)

    def say_file(self, children: list[Any]) -> ast.Say:
        span = _span(children)
        return ast.Say(ast.FilePrompt(_text(children[-1]), span), span)

    def binding(self, children: list[Any]) -> ast.Binding:
        name, _, value = children
        return ast.Binding(_name(name), _text_or_field(value), _span(children))

    def keys(self, children: list[Any]) -> ast.Keys:
        return ast.Keys(tuple(_values(children)), _span(children))

    def invalid_text(self, children: list[Any]) -> ast.Invalid:
        span = _span(children)
        return ast.Invalid(ast.SpokenPrompt((_text(children[-1]),), (), False, span), span)

    def invalid_file(self, children: list[Any]) -> ast.Invalid:
        span = _span(children)
        return ast.Invalid(ast.FilePrompt(_text(children[-1]), span), span)

    def handler_arrow(self, children: list[Any]) -> ast.Handler:
        values = _values(children)
        return ast.Handler(values[0], tuple(values[1:]), _span(children))

    handler_block = handler_arrow

    def key(self, children: list[Any]) -> ast.Key:
        token = children[0]
        text = unquote(str(token)) if token.type == "STRING" else str(token)
        return ast.Key(text, token_span(token))

    def key_range(self, children: list[Any]) -> ast.KeyRange:
        low, high = (ast.Key(str(t), token_span(t)) for t in (children[0], children[-1]))
        return ast.KeyRange(low, high, _span(children))

    # ---- actions
    def play_text(self, children: list[Any]) -> ast.Play:
        values = _values(children)
        prompt = ast.SpokenPrompt((_text(values[0]),), (), False, token_span(values[0]))
        voice = _name(values[1]) if len(values) > 1 else None
        return ast.Play(prompt, voice, _span(children))

    def play_file(self, children: list[Any]) -> ast.Play:
        path = children[-1]
        return ast.Play(ast.FilePrompt(_text(path), token_span(path)), None, _span(children))

    def wait(self, children: list[Any]) -> ast.Wait:
        return ast.Wait(_duration(children[1]), _span(children))

    def goto(self, children: list[Any]) -> ast.Goto:
        return ast.Goto(_name(children[1]), _span(children))

    def call(self, children: list[Any]) -> ast.Call:
        values = _values(children)
        dtmf = _text(values[2]) if len(values) > 2 else None
        return ast.Call(_text_or_field(values[0]), _text(values[1]), dtmf, _span(children))

    def mark_remove(self, children: list[Any]) -> ast.Mark:
        return ast.Mark("remove", None, _span(children))

    def mark_custom(self, children: list[Any]) -> ast.Mark:
        return ast.Mark("custom", _text(children[-1]), _span(children))

    def hangup(self, children: list[Any]) -> ast.Hangup:
        return ast.Hangup(_span(children))
