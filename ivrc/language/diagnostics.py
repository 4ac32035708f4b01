"""The one diagnostic type: syntax errors, schema violations and lint findings alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ivrc.language.span import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
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


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def quote(text: str) -> str:
    """Name a piece of the user's source in a message, as rustc does."""
    return f"`{text}`"
