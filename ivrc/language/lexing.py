"""The lexer of .ivr text: Lark's contextual lexer, with a quicker way through the common case.

Lark reads the spaces before a token as a token of their own, one match and one trip through
its loop each, and then the token. Here one regular expression per parser state reads the
spaces and the token together (the state's terminals in Lark's own order, so the same one
wins), and the line and column are moved on with the C string methods. Anything else (the end
of the text, an error, a state whose terminals do not allow it) goes through Lark's own code,
so that tokens, positions and errors are Lark's exactly; `tests/test_parse_stock.py` holds the two
to the same tokens."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from lark.common import LexerConf
from lark.lexer import BasicLexer, ContextualLexer, Lexer, LexerState, Token

_SPACES = "[ \t\f\r\n]*"
_SPACE_TERMINAL = "WS"  # `%import common.WS`, `%ignore WS`: the grammar's spaces
_MOST_GROUPS = 99  # Python's regular expressions take at most 100 groups


class _StateLexer(BasicLexer):
    """The lexer of one parser state (of each set of terminals the states accept)."""

    _quick: re.Pattern[str] | None | bool = None

    def _build_quick(self) -> re.Pattern[str] | bool:
        scanner = self.scanner  # Lark's scanner, with its callbacks (a keyword read as a name)
        terminals = [t for t in scanner.terminals if t.name != _SPACE_TERMINAL]
        usable = _SPACE_TERMINAL in self.ignore_types and 0 < len(terminals) <= _MOST_GROUPS
        if not usable:
            return False
        alternatives = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals)
        return re.compile(f"{_SPACES}(?:{alternatives})", self.g_regex_flags)

    def quick(self) -> re.Pattern[str] | None:
        """The pattern that reads the spaces and a token at once; None where it cannot be made."""
        quick = self._quick
        if quick is None:
            quick = self._quick = self._build_quick()
        return quick if isinstance(quick, re.Pattern) else None

    def next_token(self, lex_state: LexerState, parser_state: Any = None) -> Token:
        quick = self.quick()
        if quick is None:
            return super().next_token(lex_state, parser_state)
        line_ctr = lex_state.line_ctr
        text, end = _text_and_end(lex_state.text)
        while True:
            pos = line_ctr.char_pos
            found = quick.match(text, pos, end)
            if found is None:
                return super().next_token(lex_state, parser_state)  # the end, an error, or spaces alone
            type_ = found.lastgroup
            assert type_ is not None
            start = found.start(type_)
            if start > pos:  # the spaces before the token
                newlines = text.count("\n", pos, start)
                if newlines:
                    line_ctr.line += newlines
                    line_ctr.line_start_pos = text.rindex("\n", pos, start) + 1
                line_ctr.char_pos = start
                line_ctr.column = start - line_ctr.line_start_pos + 1
            value = found.group(type_)
            ignored = type_ in self.ignore_types
            token = None
            if not ignored or type_ in self.callback:
                token = Token(type_, value, start, line_ctr.line, line_ctr.column)
            line_ctr.feed(value, type_ in self.newline_types)
            if token is None:
                continue
            token.end_line = line_ctr.line
            token.end_column = line_ctr.column
            token.end_pos = line_ctr.char_pos
            if token.type in self.callback:
                token = self.callback[token.type](token)
            if not ignored:
                lex_state.last_token = token
                return token


def _text_and_end(text: Any) -> tuple[str, int]:
    """The text and where reading stops: Lark 1.3 gives a slice of the text, 1.2 the text."""
    if isinstance(text, str):
        return text, len(text)
    return text.text, text.end


class _Contextual(ContextualLexer):
    BasicLexer = _StateLexer
    lexers: dict[int, _StateLexer]  # type: ignore[assignment]


class IvrLexer(Lexer):
    """Lark's contextual lexer, built from the parse table at the first text it reads (a lexer
    given to Lark as a class is made with the terminals alone)."""

    __future_interface__ = 2

    def __init__(self, conf: LexerConf) -> None:
        self.conf = conf
        self.contextual: _Contextual | None = None
        self.quick_table: Any = None  # `quick_parse`'s tables, made at its first parse

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Any:
        return self.contextual_for(parser_state).lex(lexer_state, parser_state)

    def contextual_for(self, parser_state: Any) -> _Contextual:
        """The contextual lexer, with a lexer for each state of PARSER_STATE's table."""
        contextual = self.contextual
        if contextual is None:
            states: dict[int, Collection[str]] = {
                index: list(actions) for index, actions in parser_state.parse_conf.states.items()
            }
            contextual = self.contextual = _Contextual(self.conf, states)
        return contextual
