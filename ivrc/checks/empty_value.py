"""empty-value: an empty value in a column the flow uses."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "empty-value"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a recipient whose value is empty (or only spaces) in a column that the flow uses.

    Why is this bad?
    The call would greet nobody by name, say an empty time, or have no number to dial.
    The recipient is left out of the batch until the value is filled in.

    Example
    ```
    name,phone
    ,054-600-0001
    ```

    Use instead
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
