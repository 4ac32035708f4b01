"""Source text to AST: the Lark LALR parser, built once, with recovery after syntax errors."""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ivrc.language import ast, syntax
from ivrc.language.diagnostics import Diagnostic
from ivrc.language.lexing import IvrLexer
from ivrc.language.quick_parse import NotClean, parse_clean
from ivrc.language.resources import cache_file, resource
from ivrc.language.transformer import ToAst, token_span

# Tokens that begin or end a statement: where the parser can pick up again after an error.
SYNC_TOKENS = frozenset(
    {
        "REGION", "DIALER", "SIMPLE_DIALER", "STEP", "RETURN_ADDRESS", "NUMBER", "NUMBERS", "CLI", "DTMF",
        "MAX_RETRIES", "RING_TIMEOUT", "RETRY_WAIT_TIME", "SCHEDULE", "LEG_A", "LEG_B", "ANSWER_DELAY",
        "DIAL_AT", "VOICE", "SAY", "KEYS", "TIMEOUT", "RETRIES", "INVALID", "ON", "PLAY", "WAIT", "GOTO",
        "CALL", "MARK", "HANGUP", "RBRACE", "_SEP",
    }
)  # fmt: skip

# A file of junk would otherwise yield an error per character.
MAX_SYNTAX_ERRORS = 20

_KEYWORDS = (
    "region|dialer|simple_dialer|step|return_address|number|numbers|cli|dtmf|max_retries|ring_timeout|"
    "retry_wait_time|schedule|leg_a|leg_b|answer_delay|dial_at|voice|say|keys|timeout|retries|invalid|on|play|"
    "wait|goto|call|mark|hangup"
)
# Where a statement may begin again (the text of SYNC_TOKENS), and what the lexer reads whole
# before it: a string (one left open runs to the end of its line) and a comment.
_CANDIDATES = re.compile(
    r'(?P<whole>"[^"\\\n]*(?:\\.[^"\\\n]*)*"|"[^\n]*|#[^\n]*)'
    rf"|(?P<sync>[;}}]|(?<![A-Za-z0-9_-])(?:{_KEYWORDS})(?![A-Za-z0-9_-]))"
)
_RESUMING = SYNC_TOKENS | {"$END"}
GIVE_UP_STATEMENT = 64  # tokens dropped inside one statement before skipping to the next


# The comments of the text being parsed; the parser is shared, so they are collected per context.
_comments: ContextVar[list[Token]] = ContextVar("comments")


def _keep_comment(token: Token) -> Token:
    _comments.get().append(token)
    return token


@functools.cache
def lark_parser() -> Lark:
    """The parser of .ivr text, which gives the AST itself: `ToAst` builds each node as its
    rule is reduced, from every token of the rule (`keep_all_tokens`), so that Lark neither
    builds a tree nor propagates positions (half the time of a parse)."""
    return lalr_parser(
        "ivr",
        lexer=IvrLexer,
        lexer_callbacks={"COMMENT": _keep_comment},
        transformer=ToAst(),
        keep_all_tokens=True,
        propagate_positions=False,
    )


def lalr_parser(name: str, **options: Any) -> Lark:
    """An LALR parser of `grammar/NAME.lark` (a tree with positions unless OPTIONS say
    otherwise), its tables cached between runs."""
    grammar = resource("grammar", f"{name}.lark").read_text(encoding="utf-8")
    settings: dict[str, Any] = {
        "lexer": "contextual",
        "propagate_positions": True,
        "maybe_placeholders": False,
        **options,
    }
    return Lark(grammar, parser="lalr", cache=cache_file(name), **settings)


@dataclass(frozen=True)
class Parsed:
    """The AST and the syntax errors. With errors, the AST (when there is one) holds only
    the statements that parsed: enough for checks that look at one statement at a time.
    `complete` says the AST holds the whole file, so that the checks of the whole file can
    run: true without errors, and when the only errors are letters of another script that
    look like Latin ones (the AST is then the file as read in Latin letters)."""

    flow: ast.Flow | None
    diagnostics: tuple[Diagnostic, ...]
    complete: bool | None = None

    def __post_init__(self) -> None:
        if self.complete is None:
            object.__setattr__(self, "complete", not self.diagnostics)


class _Recovery:
    """Panic-mode recovery, as yacc does it: report an error, then drop input until some
    enclosing construct can go on, and stay quiet until the parser is back in step."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.diagnostics: list[Diagnostic] = []
        self.stack_after_last_error: list[object] | None = None
        self.dropped = 0  # tokens dropped since the parser last moved

    def __call__(self, error: UnexpectedInput) -> bool:
        stack = error.interactive_parser.parser_state.state_stack
        # Still recovering when the parser has not moved since the last error: stay quiet.
        if stack != self.stack_after_last_error:
            self.diagnostics.append(syntax.describe(error, self.text, lark_parser()))
            self.dropped = 0
        else:
            self.dropped += 1
        if len(self.diagnostics) >= MAX_SYNTAX_ERRORS:
            return False
        self.stack_after_last_error = list(stack)
        return self._resume(error)

    def _resume(self, error: UnexpectedInput) -> bool:
        if self._skip_to_sync(error):
            return True
        if isinstance(error, UnexpectedCharacters):
            pos = error.pos_in_stream or 0
            lexer = error.interactive_parser.lexer_thread.state
            if self.text[pos] == '"' and lexer is not None:
                # An unterminated string: skip the rest of its line rather than re-read its words.
                line_end = self.text.find("\n", pos)
                lexer.line_ctr.feed(self.text[pos : len(self.text) if line_end < 0 else line_end])
            return True
        assert isinstance(error, UnexpectedToken)
        if error.token.type == "$END":
            return self._close_blocks(error)
        return self._resync(error)

    def _skip_to_sync(self, error: UnexpectedInput) -> bool:
        """Where the parser takes nothing but a statement's beginning (a keyword, `;` or `}`),
        every token before the next one would be dropped one by one, each with an exception:
        skip the text to it at once, at the regular expression engine's speed (a megabyte of
        junk in milliseconds). Strings and comments are skipped whole, as the lexer reads them.
        Inside a statement, tokens are dropped one by one, in case one fits, until
        GIVE_UP_STATEMENT have been; then the statement is given up, and the text skipped too."""
        state = error.interactive_parser.parser_state
        taken = {name for name in state.parse_conf.states[state.state_stack[-1]] if name.isupper()}  # terminals
        if not taken <= _RESUMING and self.dropped < GIVE_UP_STATEMENT:
            return False
        if isinstance(error, UnexpectedToken) and error.token.type in SYNC_TOKENS | {"$END"}:
            return False
        lexer = error.interactive_parser.lexer_thread.state
        if lexer is None:
            return False
        start = lexer.line_ctr.char_pos
        end = len(self.text)
        for found in _CANDIDATES.finditer(self.text, start):
            if found.lastgroup == "sync":
                end = found.start()
                break
        if end <= start:
            return False
        lexer.line_ctr.feed(self.text[start:end])
        return True

    def _close_blocks(self, error: UnexpectedToken) -> bool:
        """At the end of a file with blocks still open, close them, so that what was written
        before the end still makes a tree to check."""
        state = error.interactive_parser.parser_state
        table = state.parse_conf.states
        closed = False
        for _ in range(len(state.state_stack)):
            if "$END" in table[state.state_stack[-1]] or "RBRACE" not in table[state.state_stack[-1]]:
                break
            try:
                error.interactive_parser.feed_token(Token.new_borrow_pos("RBRACE", "}", error.token))
            except UnexpectedToken:
                return False
            closed = True
        return closed

    def _resync(self, error: UnexpectedToken) -> bool:
        state = error.interactive_parser.parser_state
        table = state.parse_conf.states
        token: Token = error.token
        if token.type not in SYNC_TOKENS:
            return True  # not a statement boundary: drop it and look at the next token
        for depth in range(len(state.state_stack) - 1, -1, -1):
            if token.type in table[state.state_stack[depth]]:
                del state.state_stack[depth + 1 :]
                del state.value_stack[depth:]
                try:
                    error.interactive_parser.feed_token(token)
                except UnexpectedToken:
                    break
                self.stack_after_last_error = None  # a statement begins again: back in step
                return True
        return True  # nothing takes this token: drop it and try the next one


def parse(text: str, path: str = "<string>") -> Parsed:
    """Parse .ivr source. Never raises for bad input: problems come back as diagnostics."""
    parsed = _parse(text, path)
    if parsed.diagnostics:
        latin = _in_latin(text)
        if latin != text:
            # `goto аnnouncement` with a Cyrillic `а`: the errors name each letter, and the
            # file read in Latin letters lets every check of the whole file run too.
            read = _parse(latin, path)
            if not read.diagnostics and read.flow is not None:
                return Parsed(read.flow, parsed.diagnostics, complete=True)
    return parsed


# Strings and comments are kept as written; any other word is a name or a keyword.
_WORDS = re.compile(r'("[^"\\\n]*(?:\\.[^"\\\n]*)*"|#[^\n]*)|([^\s{}\[\]();,="#]+)')


def _in_latin(text: str) -> str:
    """The text with each name or keyword that mixes in letters drawn like Latin ones written
    in Latin letters (one letter for one, so every position stays)."""

    def latin(match: re.Match[str]) -> str:
        word = match.group(2)
        if word is None or word.isascii():
            return match.group(0)
        plain = "".join(syntax.LOOKALIKES.get(c, c) for c in word)
        return plain if plain.isascii() else word

    return _WORDS.sub(latin, text)


def _parse(text: str, path: str) -> Parsed:
    recovery = _Recovery(text)
    comments: list[Token] = []
    reset = _comments.set(comments)
    flow: ast.Flow | None
    try:
        try:
            flow = parse_clean(lark_parser(), text)
        except NotClean:
            comments.clear()  # read again by Lark, which recovers from the errors and says what they are
            # After syntax errors, the AST holds every statement that parsed: the broken ones are left out.
            flow = lark_parser().parse(text, on_error=recovery)  # type: ignore[assignment]
    except UnexpectedInput as error:
        if not recovery.diagnostics:
            recovery.diagnostics.append(syntax.describe(error, text, lark_parser()))
        flow = None
    finally:
        _comments.reset(reset)
    diagnostics = tuple(d._replace(path=path) for d in recovery.diagnostics)
    if flow is None:
        return Parsed(None, diagnostics)
    kept = tuple(ast.Comment(str(c), token_span(c)) for c in comments)
    return Parsed(replace(flow, comments=kept), diagnostics)
