"""Syntax errors in words: what was expected, where, and the likely slip (a misspelt keyword, a
letter of another script, a comment that cut a value off). The parser and the JSON reader
make their syntax-error findings here; the rule itself is `ivrc.checks.syntax_error`."""

from __future__ import annotations

import difflib

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "syntax-error"
SEVERITY = Severity.ERROR

_WORDS = {
    "STRING": "a quoted text",
    "NAME": "a name",
    "INT": "a whole number",
    "KEY": "a key",
    "DURATION": "a duration such as `3s`",
    "TIME": "a time such as `2036-12-01T09:00+02:00`",
    "GENDER": "`male` or `female`",
    "NUMBER": "a number",
    "$END": "the end of the file",
}

# What follows a keyword, when that says more than a list of tokens.
_AFTER = {
    "goto": "a step name after `goto`",
    "step": "a step name after `step`",
    "on": 'a key after `on`, such as `1`, `11`, `10..12` or `"#"`',
    "voice": "`male` or `female` after `voice`",
    "region": "a region code after `region`, such as `IL`",
    "mark": '`remove` or `custom "value"` after `mark`',
    "->": "an action after `->`: `play`, `wait`, `goto`, `call`, `mark` or `hangup`",
    "..": "the last key of the range after `..`",
}

_ACTIONS = {"PLAY", "WAIT", "GOTO", "CALL", "MARK", "HANGUP"}
_STEP = {"SAY", "ON", "VOICE", "TIMEOUT", "RETRIES", "KEYS", "INVALID"}
_SIMPLE = {
    "LEG_A",
    "LEG_B",
    "NUMBERS",
    "SAY",
    "VOICE",
    "ANSWER_DELAY",
    "DIAL_AT",
    "MAX_RETRIES",
    "RING_TIMEOUT",
    "RETRY_WAIT_TIME",
}
_DIALER = {
    "RETURN_ADDRESS",
    "NUMBER",
    "NUMBERS",
    "CLI",
    "DTMF",
    "MAX_RETRIES",
    "RING_TIMEOUT",
    "RETRY_WAIT_TIME",
    "SCHEDULE",
}
_TOP = {"STEP", "DIALER", "SIMPLE_DIALER", "REGION"}

# Keyword sets that stand for one kind of statement: (a sign of the kind, all its keywords, words).
_KINDS = (
    ({"PLAY", "HANGUP"}, _ACTIONS, "an action (`play`, `wait`, `goto`, `call`, `mark`, `hangup`)"),
    ({"SAY", "ON"}, _STEP, "a step statement (`say`, `on`, `voice`, `timeout`, …)"),
    ({"LEG_A", "ANSWER_DELAY"}, _SIMPLE, "a simple_dialer setting (`leg_a`, `say`, `answer_delay`, …)"),
    ({"RETURN_ADDRESS", "SCHEDULE"}, _DIALER, "a dialer setting (`return_address`, `number`, `schedule`, …)"),
    ({"STEP", "DIALER"}, _TOP, "a `dialer`, `simple_dialer`, `step` or `region`"),
    ({"LSQB", "NUMBER", "NULL"}, {"LBRACE", "LSQB", "STRING", "NUMBER", "TRUE", "FALSE", "NULL"}, "a JSON value"),
)


def describe(error: UnexpectedInput, text: str, parser: Lark) -> Diagnostic:
    """The syntax-error finding for a parse error, in words a person reads (the rule's page is
    `ivrc.checks.syntax_error`)."""
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, text, parser)
    assert isinstance(error, UnexpectedToken)
    return _unexpected_token(error, text, parser)


def _unexpected_character(error: UnexpectedCharacters, text: str, parser: Lark) -> Diagnostic:
    pos, line, column = error.pos_in_stream or 0, error.line or 1, error.column or 1
    char = text[pos] if pos < len(text) else ""
    span = Span(line, column, line, column + 1, pos, pos + 1)
    if char == '"':
        line_end = text.find("\n", pos)
        end = len(text) if line_end < 0 else line_end
        span = Span(line, column, line, column + (end - pos), pos, end)
        return Diagnostic(
            NAME,
            SEVERITY,
            'this text has no closing `"`',
            span,
            help='a text ends with `"` on the same line; write `\\"` for a quote inside it',
        )
    shown = char if char.isprintable() else repr(char)[1:-1]
    expected = _expected_words(error.allowed or set(), _previous_token(error, text, parser), parser)
    message = f"unexpected character `{shown}`"
    hint = None
    if not char.isascii():
        # A letter that looks like a Latin one (Cyrillic `а`) is invisible in the message alone.
        message += f" ({_codepoint(char)})"
        word = _word_around(text, pos)
        plain = "".join(LOOKALIKES.get(c, c) for c in word)
        if plain != word and plain.isascii():
            hint = (
                f"`{word}` has letters from another script that look like Latin ones; write it in Latin letters: "
                f"`{plain}`"
            )
    if expected:
        message += f"; expected {expected}"
    return Diagnostic(NAME, SEVERITY, message, span, hint)


# Letters of other scripts that are drawn like Latin letters (Unicode's confusables, in part).
LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
    "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "ο": "o", "α": "a", "ν": "v", "ρ": "p", "τ": "t", "ι": "i", "κ": "k", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z",
    "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip


def _codepoint(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} {unicodedata.name(char, 'an unnamed character')}"


def _word_around(text: str, pos: int) -> str:
    start = pos
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
        start -= 1
    end = pos
    while end < len(text) and (text[end].isalnum() or text[end] in "_-"):
        end += 1
    return text[start:end]


def _unexpected_token(error: UnexpectedToken, text: str, parser: Lark) -> Diagnostic:
    token: Token = error.token
    previous = _previous_token(error, text, parser)
    expected = _expected_words(error.expected, previous, parser)
    if token.type == "$END":
        pos = len(text.rstrip())
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        span = Span(line, column, line, column, pos, pos)
        return Diagnostic(
            NAME, SEVERITY, f"the file ends too soon; expected {expected}", span, help=_comment_help(previous, text)
        )
    comment = _comment_after(previous, text)
    if comment is not None and previous is not None and previous.line is not None and token.line != previous.line:
        # The value was cut off by a comment on the line before: say so there, not at the next line.
        line, column = previous.line, (previous.column or 1) + (comment - (previous.start_pos or 0))
        span = Span(line, column, line, column + 1, comment, comment + 1)
        message = f"expected {expected}, found a comment: `#` starts a comment that runs to the end of the line"
        return Diagnostic(NAME, SEVERITY, message, span, help=_comment_help(previous, text))
    call = _unfinished_call(error)
    if call is not None and error.expected <= {"CLI", "DTMF"}:
        number = previous if previous is not None and previous.type == "STRING" else None
        end = number if number is not None else call
        span = Span(*_place(call)[:2], *_place(end)[2:4], _place(call)[4], _place(end)[5])
        written = str(number) if number is not None else '"…"'
        return Diagnostic(
            NAME,
            SEVERITY,
            '`call` needs a caller id: `cli "…"` after the number',
            span,
            help=f'write `call {written} cli "03-000-0000"` with the number to show; `cli ""` hides it',
        )
    span = Span(*_place(token))
    message = f"expected {expected}, found {_describe(token)}"
    return Diagnostic(NAME, SEVERITY, message, span, help=_help(error, token, previous, parser))


def _place(token: Token) -> tuple[int, int, int, int, int, int]:
    """A token's line, column, end line, end column, start and end offsets (lark types them as optional)."""
    line, column, start = token.line or 1, token.column or 1, token.start_pos or 0
    return (line, column, token.end_line or line, token.end_column or column, start, token.end_pos or start)


def _previous_token(error: UnexpectedInput, text: str, parser: Lark) -> Token | None:
    """The last token the parser took: a token on its stack, or the last token of what it
    last completed (a node of the syntax tree, found again in the text)."""
    interactive = getattr(error, "interactive_parser", None)
    if interactive is None:
        return None
    for value in reversed(interactive.parser_state.value_stack):
        token = _last_of(value, text, parser)
        if token is not None:
            return token
    return None


def _last_of(value: object, text: str, parser: Lark) -> Token | None:
    if isinstance(value, Token):
        return value
    if isinstance(value, Tree):  # a rule inlined into the one being parsed (`_key_spec`)
        for child in reversed(value.children):
            token = _last_of(child, text, parser)
            if token is not None:
                return token
        return None
    span = getattr(value, "span", None)
    if isinstance(span, Span) and span.end > span.start:
        return _last_token(text, span, parser)
    return None


def _last_token(text: str, span: Span, parser: Lark) -> Token | None:
    """The token that ends at SPAN's end: lexed again from the start of its line (a token never
    runs over a line's end), never from before the span."""
    begin = max(span.start, text.rfind("\n", 0, span.end) + 1)
    last = None
    try:
        for last in parser.lex(text[begin : span.end]):  # noqa: B007
            pass
    except UnexpectedInput:
        return None
    if last is None:
        return None
    value = str(last)
    start = span.end - len(value)
    return Token(
        last.type, value, start, span.end_line, span.end_column - len(value), span.end_line, span.end_column, span.end
    )


def _expected_words(expected: set[str], previous: Token | None, parser: Lark) -> str:
    expected = {e for e in expected if e not in ("_SEP", "COMMENT", "WS")}
    if previous is not None and str(previous) in _AFTER and len(expected) <= 2:
        return _AFTER[str(previous)]
    words: list[str] = []
    for sign, members, kind in _KINDS:
        if sign <= expected:
            words.append(kind)
            expected -= members
    words.extend(sorted(_word(name, parser) for name in expected))
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _word(terminal: str, parser: Lark) -> str:
    if terminal in _WORDS:
        return _WORDS[terminal]
    try:
        pattern = parser.get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    return f"`{pattern.value}`"


def _describe(token: Token) -> str:
    value = str(token)
    if len(value) > 40:
        value = value[:37] + "…"
    if token.type == "STRING":
        return f"the text {value}"
    return f"`{value}`"


def _comment_after(previous: Token | None, text: str) -> int | None:
    """The offset of a `#` comment that follows the previous token on its line, if one does."""
    if previous is None or previous.end_pos is None:
        return None
    rest = text[previous.end_pos :]
    stripped = rest.lstrip(" \t")
    if stripped.startswith("#"):
        return previous.end_pos + len(rest) - len(stripped)
    return None


def _comment_help(previous: Token | None, text: str) -> str | None:
    """`on #` reads as `on` followed by a comment: the `#` key must be quoted."""
    if _comment_after(previous, text) is None:
        return None
    if previous is not None and str(previous) in ("on", "keys", ",", ".."):
        return '`#` starts a comment; write the key as `"#"`'
    return "`#` starts a comment; a `#` inside a value is written in quotes"


def _unfinished_call(error: UnexpectedToken) -> Token | None:
    """The `call` keyword of the action being parsed, when the parser is inside one."""
    parser = getattr(error, "interactive_parser", None)
    if parser is None:
        return None
    for value in reversed(parser.parser_state.value_stack[-3:]):
        if isinstance(value, Token) and value.type == "CALL":
            return value
    return None


def _help(error: UnexpectedToken, token: Token, previous: Token | None, parser: Lark) -> str | None:
    value = str(token)
    if token.type in _ACTIONS and error.expected >= _STEP:
        return '`->` takes one action; put several in braces: `on 1 { play "…"; hangup }`'
    if "DURATION" in error.expected and token.type in ("INT", "KEY") and value.isdigit():
        return f"durations need a unit: `{value}s`, `{value}ms`, `{value}m` or `{value}h`"
    if token.type == "NAME":
        keywords = [_word(t, parser).strip("`") for t in error.expected if t.isupper() and t not in _WORDS]
        close = difflib.get_close_matches(value, keywords, n=1, cutoff=0.6)
        if close:
            return f"did you mean `{close[0]}`?"
    if (
        token.type in ("NAME", "KEY", "INT")
        and "STRING" in error.expected
        and error.expected <= {"STRING", "FILE", "NAME"}
    ):
        return f'texts are quoted: `"{value}"`'
    same_line = previous is not None and previous.line == token.line
    if same_line and token.type in _ACTIONS | _STEP | _TOP | _DIALER | _SIMPLE and "NAME" in error.expected:
        return f'`{value}` is a keyword; a step of that name is written quoted: `"{value}"`'
    return None
