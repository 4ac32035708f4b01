"""unused-column: a column of the recipients file that the flow never uses."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "unused-column"
SEVERITY = Severity.INFO


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Points out a column of the recipients file that no `recipient.…` of the flow names.

    Why is this bad?
    It is often harmless (an id, a note for people), but it can also be a value the flow
    was meant to say and does not, or a column whose name differs from the field's by a
    letter.

    Example
    ```
    name,phone,appointment
    Dana,054-600-0001,09:30
    ```

    Use instead
    ```
    name,phone,time
    Dana,054-600-0001,09:30
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
