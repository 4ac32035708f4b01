"""Lark parse tree to typed AST (`ivrc.language.ast`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lark import Token, Tree
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


def _keyword(meta: Meta, word: str) -> ast.Name:
    """The span of the keyword that opens a rule."""
    span = meta_span(meta)
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
    """Builds the AST bottom-up; each method receives its rule's meta and children.

    The walk is its own, not lark's `Transformer`: one dictionary look-up per node instead of
    a wrapper made per call, a third of the time on big flows. A rule with no method stays a
    `Tree` of its transformed children, as lark's default does."""

    def transform(self, tree: Tree[Any]) -> ast.Flow:
        methods = _rule_methods(self)

        def walk(node: Tree[Any]) -> Any:
            children = [walk(child) if isinstance(child, Tree) else child for child in node.children]
            method = methods.get(node.data)
            return Tree(node.data, children, node.meta) if method is None else method(node.meta, children)

        return walk(tree)  # type: ignore[no-any-return]

    def start(self, meta: Meta, items: list[Any]) -> ast.Flow:
        return ast.Flow(tuple(items), meta_span(meta))

    def region(self, meta: Meta, children: list[Token]) -> ast.Region:
        return ast.Region(_name(children[0]), meta_span(meta))

    # ---- requests
    def _request(self, kind: str, meta: Meta, children: list[Any]) -> ast.Request:
        unique_id = None
        body = children
        if children and isinstance(children[0], Token) and children[0].type == "STRING":
            unique_id, body = _text(children[0]), children[1:]
        keyword = _keyword(meta, kind)
        return ast.Request(kind, keyword, unique_id, tuple(body), meta_span(meta))  # type: ignore[arg-type]

    def dialer(self, meta: Meta, children: list[Any]) -> ast.Request:
        return self._request("dialer", meta, children)

    def simple_dialer(self, meta: Meta, children: list[Any]) -> ast.Request:
        return self._request("simple_dialer", meta, children)

    def _setting(self, meta: Meta, children: list[Token]) -> ast.Setting:
        keyword, value = children
        return ast.Setting(_FIELDS[str(keyword)], _name(keyword), _value(value), meta_span(meta))

    dialer_setting = _setting
    simple_setting = _setting

    def _flag(self, field: str, meta: Meta) -> ast.Setting:
        span = meta_span(meta)
        return ast.Setting(field, _keyword(meta, "numbers"), ast.Flag(span), span)

    def from_queue(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._flag("numbers_from_queue", meta)

    def from_campaign(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._flag("from_campaign", meta)

    def schedule_in(self, meta: Meta, children: list[Token]) -> ast.Setting:
        span = meta_span(meta)
        value = ast.Schedule("in", _duration(children[0]), span)
        return ast.Setting("schedule", _keyword(meta, "schedule"), value, span)

    def schedule_at(self, meta: Meta, children: list[Token]) -> ast.Setting:
        span = meta_span(meta)
        value = ast.Schedule("at", ast.Time(str(children[0]), token_span(children[0])), span)
        return ast.Setting("schedule", _keyword(meta, "schedule"), value, span)

    def dial_at(self, meta: Meta, children: list[Token]) -> ast.Setting:
        time = ast.Time(str(children[0]), token_span(children[0]))
        return ast.Setting("dial_at", _keyword(meta, "dial_at"), time, meta_span(meta))

    def leg(self, meta: Meta, children: list[Token]) -> ast.Setting:
        keyword, number, *rest = children
        options = {str(rest[i]): _text(rest[i + 1]) for i in range(0, len(rest), 2)}
        leg = ast.Leg(_text(number), options.get("cli"), options.get("dtmf"), meta_span(meta))
        return ast.Setting(_FIELDS[str(keyword)], _name(keyword), leg, meta_span(meta))

    def sound_text(self, meta: Meta, children: list[Token]) -> ast.Say:
        span = meta_span(meta)
        return ast.Say(ast.SpokenPrompt((_text(children[0]),), (), False, span), span)

    def sound_file(self, meta: Meta, children: list[Token]) -> ast.Say:
        span = meta_span(meta)
        return ast.Say(ast.FilePrompt(_text(children[0]), span), span)

    # ---- steps
    def step(self, meta: Meta, children: list[Any]) -> ast.Step:
        return ast.Step(_name(children[0]), tuple(children[1:]), meta_span(meta))

    def voice(self, meta: Meta, children: list[Token]) -> ast.Setting:
        return ast.Setting("gender", _keyword(meta, "voice"), _name(children[0]), meta_span(meta))

    def timeout(self, meta: Meta, children: list[Token]) -> ast.Setting:
        return ast.Setting("dtmf_ivr_timeout", _keyword(meta, "timeout"), _duration(children[0]), meta_span(meta))

    def retries(self, meta: Meta, children: list[Token]) -> ast.Setting:
        value = ast.Integer(ast.whole(str(children[0])), token_span(children[0]))
        return ast.Setting("dtmf_ivr_retries", _keyword(meta, "retries"), value, meta_span(meta))

    def say_text(self, meta: Meta, children: list[Token]) -> ast.Say:
        span = meta_span(meta)
        return ast.Say(ast.SpokenPrompt(tuple(_text(t) for t in children), (), False, span), span)

    def say_with(self, meta: Meta, children: list[Any]) -> ast.Say:
        span = meta_span(meta)
        return ast.Say(ast.SpokenPrompt((_text(children[0]),), tuple(children[1:]), True, span), span)

    def say_file(self, meta: Meta, children: list[Token]) -> ast.Say:
        span = meta_span(meta)
        return ast.Say(ast.FilePrompt(_text(children[0]), span), span)

    def binding(self, meta: Meta, children: list[Token]) -> ast.Binding:
        name, value = children
        return ast.Binding(_name(name), _text_or_field(value), meta_span(meta))

    def keys(self, meta: Meta, children: list[ast.KeySpec]) -> ast.Keys:
        return ast.Keys(tuple(children), meta_span(meta))

    def invalid_text(self, meta: Meta, children: list[Token]) -> ast.Invalid:
        span = meta_span(meta)
        return ast.Invalid(ast.SpokenPrompt((_text(children[0]),), (), False, span), span)

    def invalid_file(self, meta: Meta, children: list[Token]) -> ast.Invalid:
        span = meta_span(meta)
        return ast.Invalid(ast.FilePrompt(_text(children[0]), span), span)

    def handler_arrow(self, meta: Meta, children: list[Any]) -> ast.Handler:
        return ast.Handler(children[0], tuple(children[1:]), meta_span(meta))

    handler_block = handler_arrow

    def key(self, meta: Meta, children: list[Token]) -> ast.Key:
        token = children[0]
        text = unquote(str(token)) if token.type == "STRING" else str(token)
        return ast.Key(text, token_span(token))

    def key_range(self, meta: Meta, children: list[Token]) -> ast.KeyRange:
        low, high = (ast.Key(str(t), token_span(t)) for t in children)
        return ast.KeyRange(low, high, meta_span(meta))

    # ---- actions
    def play_text(self, meta: Meta, children: list[Token]) -> ast.Play:
        span = meta_span(meta)
        prompt = ast.SpokenPrompt((_text(children[0]),), (), False, token_span(children[0]))
        voice = _name(children[1]) if len(children) > 1 else None
        return ast.Play(prompt, voice, span)

    def play_file(self, meta: Meta, children: list[Token]) -> ast.Play:
        return ast.Play(ast.FilePrompt(_text(children[0]), token_span(children[0])), None, meta_span(meta))

    def wait(self, meta: Meta, children: list[Token]) -> ast.Wait:
        return ast.Wait(_duration(children[0]), meta_span(meta))

    def goto(self, meta: Meta, children: list[Token]) -> ast.Goto:
        return ast.Goto(_name(children[0]), meta_span(meta))

    def call(self, meta: Meta, children: list[Token]) -> ast.Call:
        dtmf = _text(children[2]) if len(children) > 2 else None
        return ast.Call(_text_or_field(children[0]), _text(children[1]), dtmf, meta_span(meta))

    def mark_remove(self, meta: Meta, children: list[Token]) -> ast.Mark:
        return ast.Mark("remove", None, meta_span(meta))

    def mark_custom(self, meta: Meta, children: list[Token]) -> ast.Mark:
        return ast.Mark("custom", _text(children[0]), meta_span(meta))

    def hangup(self, meta: Meta, children: list[Token]) -> ast.Hangup:
        return ast.Hangup(meta_span(meta))


def _rule_methods(transformer: ToAst) -> dict[str, Any]:
    """The methods named after grammar rules: every public one but `transform`."""
    return {
        name: getattr(transformer, name)
        for name in dir(type(transformer))
        if not name.startswith("_") and name != "transform"
    }
