"""Typed syntax tree of a .ivr file: frozen nodes, each with its source span."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar

from ivrc.language.span import Span as Span  # re-exported: `ast.Span`

# A written whole number longer than this is beyond every bound of the API. It is read as
# BEYOND, so that no check converts, compares or prints a number of thousands of digits.
MAX_DIGITS = 15
BEYOND = 10**MAX_DIGITS


def is_digits(text: str) -> bool:
    """0-9 only: `"²".isdigit()` is true, and `int("²")` fails."""
    return text.isascii() and text.isdigit()


def whole(text: str) -> int:
    """A written whole number (ASCII digits), or BEYOND for one longer than MAX_DIGITS."""
    digits = text.lstrip("0")
    return int(digits or "0") if len(digits) <= MAX_DIGITS else BEYOND


@dataclass(frozen=True, slots=True)
class Name:
    """A bare word: a step name, a keyword, a region, a voice."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Text:
    """A quoted string, already unescaped."""

    value: str
    span: Span

    def part(self, start: int, end: int) -> Span:
        """The source span of `value[start:end]`; strings stay on one line."""
        before = _escaped_length(self.value[:start])
        inside = _escaped_length(self.value[start:end])
        column = self.span.column + 1 + before
        offset = self.span.start + 1 + before
        return Span(self.span.line, column, self.span.line, column + inside, offset, offset + inside)


@dataclass(frozen=True, slots=True)
class Field:
    """A value each recipient has: `recipient.name` is the recipients file's column `name`.
    A flow that uses one is a template, compiled once per recipient."""

    name: str
    span: Span

    @property
    def written(self) -> str:
        return f"recipient.{self.name}"


def _escaped_length(text: str) -> int:
    return len(text) + sum(text.count(c) for c in '"\\\n\t')


@dataclass(frozen=True, slots=True)
class Integer:
    value: int
    span: Span


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time written with a unit (`500ms`, `3s`, `5m`, `1h`)."""

    seconds: Decimal
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Time:
    """An absolute time as written: ISO 8601 in .ivr (read by the model), a Unix time in JSON."""

    text: str
    span: Span
    epoch: int | None = None


@dataclass(frozen=True, slots=True)
class Key:
    """One dtmf entry: a key or a sequence of keys (`1`, `11`, `"#"`)."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class KeyRange:
    """An inclusive numeric range of entries (`10..12`)."""

    low: Key
    high: Key
    span: Span


KeySpec = Key | KeyRange


# ---- prompts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Binding:
    """A placeholder value of a prompt: `name = "Dana"`."""

    name: Name
    value: Text | Field
    span: Span


@dataclass(frozen=True, slots=True)
class SpokenPrompt:
    """Text to speech: one text, several texts, or one text with placeholder values."""

    texts: tuple[Text, ...]
    bindings: tuple[Binding, ...]
    with_bindings: bool
    span: Span


@dataclass(frozen=True, slots=True)
class FilePrompt:
    """A recording, named by its uploaded file name."""

    file: Text
    span: Span


Prompt = SpokenPrompt | FilePrompt


# ---- actions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Play:
    prompt: Prompt
    voice: Name | None
    span: Span


@dataclass(frozen=True, slots=True)
class Wait:
    duration: Duration
    span: Span


@dataclass(frozen=True, slots=True)
class Goto:
    target: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    number: Text | Field
    cli: Text
    dtmf: Text | None
    span: Span


@dataclass(frozen=True, slots=True)
class Mark:
    kind: Literal["remove", "custom"]
    value: Text | None
    span: Span


@dataclass(frozen=True, slots=True)
class Hangup:
    span: Span


Action = Play | Wait | Goto | Call | Mark | Hangup
ENDING_ACTIONS = (Goto, Call, Hangup)


# ---- step statements ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    prompt: Prompt
    span: Span


@dataclass(frozen=True, slots=True)
class Invalid:
    """The message played when a key that is not offered is pressed."""

    prompt: Prompt
    span: Span


@dataclass(frozen=True, slots=True)
class Keys:
    """An explicit dtmf_ivr list, instead of the one derived from the handlers."""

    entries: tuple[KeySpec, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Handler:
    """`on KEY -> action` or `on KEY { actions }`."""

    key: KeySpec
    actions: tuple[Action, ...]
    span: Span


# ---- settings ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flag:
    """A setting that is on by being written (`numbers from queue`)."""

    span: Span


@dataclass(frozen=True, slots=True)
class Leg:
    """A simple dialer leg: its number, caller id and DTMF."""

    number: Text
    cli: Text | None
    dtmf: Text | None
    span: Span


@dataclass(frozen=True, slots=True)
class Schedule:
    """`schedule in 5m` (seconds from now) or `schedule at <time>` (a timestamp)."""

    kind: Literal["in", "at"]
    value: Duration | Time
    span: Span


Value = Text | Integer | Duration | Time | Flag | Leg | Schedule | Name | Field


@dataclass(frozen=True, slots=True)
class Setting:
    """A `keyword value` statement. `field` is the API field it sets."""

    field: str
    keyword: Name
    value: Value
    span: Span


StepStatement = Setting | Say | Invalid | Keys | Handler
RequestStatement = Setting | Say

N = TypeVar("N")


def _by_kind(node: Any, children: tuple[Any, ...]) -> dict[type, list[Any]]:
    """A node's children sorted by their class, made at the first asking and kept in the node's
    `__dict__` (not a field, so that equality, `replace` and the walks over fields never see it)."""
    by_kind: dict[type, list[Any]] | None = node.__dict__.get("_by_kind")
    if by_kind is None:
        by_kind = {}
        for child in children:
            by_kind.setdefault(child.__class__, []).append(child)
        object.__setattr__(node, "_by_kind", by_kind)
    return by_kind


# Without slots: a step keeps its statements sorted by kind (`_by_kind`).
@dataclass(frozen=True)
class Step:
    name: Name
    body: tuple[StepStatement, ...]
    span: Span

    def settings(self, field: str) -> list[Setting]:
        return [s for s in self.statements(Setting) if s.field == field]

    def statements(self, kind: type[N]) -> list[N]:
        """The statements of one kind (a node class: none is subclassed). The checks ask this
        of every step again and again: the body is sorted by kind once, at the first asking, so
        that a big flow's statements are not all read from memory each time."""
        return list(_by_kind(self, self.body).get(kind, ()))

    @property
    def handlers(self) -> list[Handler]:
        return self.statements(Handler)


@dataclass(frozen=True, slots=True)
class Request:
    """A `dialer` or `simple_dialer` block; its optional string is the unique_id."""

    kind: Literal["dialer", "simple_dialer"]
    keyword: Name
    unique_id: Text | None
    body: tuple[RequestStatement, ...]
    span: Span
    # Fields a .ivr file never writes because ivrc derives them, as a JSON request wrote them:
    # `have_dependency` (a Flag-valued Setting, or a Name "false") and `count_steps`.
    declared: tuple[Setting, ...] = ()

    def declared_value(self, field: str) -> Setting | None:
        return next((s for s in self.declared if s.field == field), None)

    def settings(self, field: str) -> list[Setting]:
        return [s for s in self.body if s.__class__ is Setting and s.field == field]

    def setting(self, field: str) -> Setting | None:
        found = self.settings(field)
        return found[0] if found else None

    def statements(self, kind: type[N]) -> list[N]:
        """The statements of one kind (a node class, compared as `Step.statements` does)."""
        return [s for s in self.body if s.__class__ is kind]  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class Region:
    code: Name
    span: Span


Item = Region | Request | Step


@dataclass(frozen=True, slots=True)
class Comment:
    """A `#` comment, kept for suppressions and the formatter."""

    text: str
    span: Span


@dataclass(frozen=True)
class Flow:
    """A whole .ivr file, its items in source order (sorted by kind at the first asking, as a
    step's statements are)."""

    items: tuple[Item, ...]
    span: Span
    comments: tuple[Comment, ...] = ()

    def _of(self, kind: type[N]) -> list[N]:
        return list(_by_kind(self, self.items).get(kind, ()))

    @property
    def regions(self) -> list[Region]:
        return self._of(Region)

    @property
    def requests(self) -> list[Request]:
        return self._of(Request)

    @property
    def steps(self) -> list[Step]:
        return self._of(Step)
