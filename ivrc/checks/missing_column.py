"""missing-column: a field the flow uses that the recipients file lacks."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "missing-column"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a recipient field that the flow uses (`recipient.time`) and that the recipients
    file's header has no column for (in JSON Lines: a line without that key).

    Why is this bad?
    Every recipient's request needs the value, and there is none to give: the call would
    say the placeholder as written, or have no number to dial.

    Example
    ```
    name,phone
    Dana,054-600-0001
    ```

    Use instead
    ```
    name,phone,time
    Dana,054-600-0001,09:30
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
