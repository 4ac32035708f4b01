"""The one diagnostic type: syntax errors, schema violations and lint findings alike."""

# No `from __future__ import annotations` here: a named tuple's fields written as strings are
# compiled one by one when the class is made, and a lint answered from the cache makes it.
from enum import Enum
from typing import NamedTuple

from ivrc.language.span import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Diagnostic(NamedTuple):
    """A finding. A named tuple, not a dataclass: a lint answered from the cache imports no
    `dataclasses` (and its `inspect`); `d._replace(path=…)` makes a changed one."""

    rule: str
    severity: Severity
    message: str
    span: Span
    help: str | None = None
    path: str = "<string>"

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def end_line(self) -> int:
        return self.span.end_line

    @property
    def end_column(self) -> int:
        return self.span.end_column

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.rule)


class FileReport(NamedTuple):
    """One file's findings, with its text for the excerpts."""

    path: str
    source: str | None
    diagnostics: tuple[Diagnostic, ...]


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def quote(text: str) -> str:
    """Name a piece of the user's source in a message, as rustc does."""
    return f"`{text}`"
