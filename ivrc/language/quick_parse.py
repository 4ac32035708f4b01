"""The parse of a text without syntax errors, in one loop.

Lark's parse takes each token through a generator, a lexer method and a parser method that set
up again for every token, a line counter's method, and look-ups keyed by grammar rules (whose
hash is a Python method). Here one loop reads the tokens as `ivrc.language.lexing` does and
feeds them to Lark's own parse table, turned once into plain tuples, calling the AST's methods
(`transformer.ToAst`, through Lark's callbacks) as Lark would. At the first thing that is not a
clean parse it gives up, and the text is parsed by Lark with its error recovery (`parser`),
which says what is wrong. `tests/test_parse_stock.py` holds the two to the same trees."""

from __future__ import annotations

import re
from typing import Any

from lark import Lark, Token
from lark.parsers.lalr_analysis import Shift

from ivrc.language.lexing import IvrLexer

_TRAILING_SPACES = re.compile(r"[ \t\f\r\n]*\Z")


class NotClean(Exception):
    """The text has a syntax error somewhere (or the parser is not one this loop knows)."""


class _Table:
    """Lark's parse table and lexers, per state, as plain tuples, each made when a text first
    reaches its state (a one-file lint reaches a fraction of them, and each lexer is a regular
    expression to compile)."""

    def __init__(self, lexer: IvrLexer, parser_state: Any) -> None:
        conf = parser_state.parse_conf
        self.end_state = conf.end_state
        self.token_callbacks = {name: f for name, f in conf.callbacks.items() if isinstance(name, str)}
        self.actions = _Actions(conf.states, conf.callbacks)
        self.lexers = _Lexers(lexer.contextual_for(parser_state).lexers)


class _Actions(dict[int, dict[str, tuple[bool, Any]]]):
    """state -> terminal or rule name -> (True, next state) or (False, (size, rule name, callback))."""

    def __init__(self, states: dict[int, dict[str, tuple[Any, Any]]], callbacks: dict[Any, Any]) -> None:
        super().__init__()
        self.states, self.callbacks = states, callbacks

    def __missing__(self, state: int) -> dict[str, tuple[bool, Any]]:
        callbacks = self.callbacks
        row = self[state] = {
            name: (True, arg) if action is Shift else (False, (len(arg.expansion), arg.origin.name, callbacks[arg]))
            for name, (action, arg) in self.states[state].items()
        }
        return row


class _Lexers(dict[int, tuple[re.Pattern[str], dict[str, Any], frozenset[str]]]):
    """state -> (the quick pattern, the lexer's callbacks, the types it ignores)."""

    def __init__(self, lexers: dict[int, Any]) -> None:
        super().__init__()
        self.lexers = lexers

    def __missing__(self, state: int) -> tuple[re.Pattern[str], dict[str, Any], frozenset[str]]:
        state_lexer = self.lexers[state]
        quick = state_lexer.quick()
        if quick is None:
            raise NotClean("a state that the quick lexer does not read")
        made = self[state] = (quick, state_lexer.callback, state_lexer.ignore_types)
        return made


def parse_clean(parser: Lark, text: str) -> Any:
    """What `parser.parse(text)` gives for a text without errors; NotClean otherwise."""
    interactive = parser.parse_interactive(text)
    state = interactive.parser_state
    lexer = interactive.lexer_thread.lexer
    if not isinstance(lexer, IvrLexer):
        raise NotClean("not ivrc's lexer")
    table = lexer.quick_table
    if table is None:
        table = lexer.quick_table = _Table(lexer, state)
    actions, lexers, token_callbacks = table.actions, table.lexers, table.token_callbacks
    stack: list[int] = [state.position]
    values: list[Any] = []
    pos, line, line_start, end = 0, 1, 0, len(text)
    new_token = str.__new__
    try:
        while True:
            quick, lexer_callbacks, ignored = lexers[stack[-1]]
            found = quick.match(text, pos, end)
            if found is None:
                if _TRAILING_SPACES.match(text, pos) is None:
                    raise NotClean("a character no token takes")
                break
            kind = found.lastgroup
            start, pos = found.span(kind)
            newlines = text.count("\n", found.start(), start)
            if newlines:
                line += newlines
                line_start = text.rindex("\n", 0, start) + 1
            value = found.group(kind)
            token: Any = new_token(Token, value)  # as Lark's Token does, less two calls
            token.type = kind
            token.value = value
            token.start_pos = start
            token.line = line
            token.column = start - line_start + 1
            if "\n" in value:  # a token that runs over lines (none of the grammar's does)
                line += value.count("\n")
                line_start = start + value.rindex("\n") + 1
            token.end_line = line
            token.end_column = pos - line_start + 1
            token.end_pos = pos
            skipped = kind in ignored
            if kind in lexer_callbacks:
                token = lexer_callbacks[kind](token)
            if skipped:
                continue
            kind = token.type
            while True:  # reduce as the table says, then shift the token
                shift, arg = actions[stack[-1]][kind]
                if shift:
                    stack.append(arg)
                    values.append(token if kind not in token_callbacks else token_callbacks[kind](token))
                    break
                size, name, callback = arg
                if size:
                    children = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    children = []
                value = callback(children)
                stack.append(actions[stack[-1]][name][1])
                values.append(value)
        while True:  # at the end, reduce what is left, up to the start rule's value
            shift, arg = actions[stack[-1]]["$END"]
            if shift:
                raise NotClean("the end of the text shifted")
            size, name, callback = arg
            children = values[-size:] if size else []
            if size:
                del stack[-size:]
                del values[-size:]
            value = callback(children)
            stack.append(actions[stack[-1]][name][1])
            values.append(value)
            if stack[-1] == table.end_state:
                return values[-1]
    except KeyError as error:  # no action for this token in this state: a syntax error
        raise NotClean(str(error)) from None
