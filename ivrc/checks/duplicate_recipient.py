"""duplicate-recipient: the same phone number on two rows of the recipients file."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "duplicate-recipient"
SEVERITY = Severity.WARNING


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a phone number that an earlier row of the recipients file already has, and names
    that row.

    Why is this bad?
    Both rows get the same `unique_id`, since it is derived from the number, and the service
    keeps one campaign per `unique_id`: the first row is called, and the second row's request
    is refused (or, when it asks for just the same, taken for the first). The second row is
    never called with its own values. When the two rows are different people on one phone (a
    family), give the file an `id` column: each row then gets a request of its own.

    Example
    ```
    name,phone
    Dana,054-600-0001
    Dana,0546000001
    ```

    Use instead
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
