"""malformed-row: a row of the recipients file that cannot be read."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "malformed-row"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a row of the recipients file that cannot be read: a quoted value with no closing
    quote, more or fewer values than the header has columns, or a JSON Lines line that is
    not a JSON object of texts.

    Why is this bad?
    The row's recipient would be left out of the campaign without a word. It is reported
    and left out, and the other rows are still checked.

    Example
    ```
    name,phone
    "Dana,054-600-0001
    ```

    Use instead
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
