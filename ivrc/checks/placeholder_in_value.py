"""placeholder-in-value: a `$name$` placeholder inside a recipient's value."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "placeholder-in-value"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a recipient's value that holds a `$name$` placeholder, where the value fills a
    placeholder of the flow's prompt.

    Why is this bad?
    The service fills every `$name$` of a prompt object, the values included, so a value
    with `$` signs can be spoken as another recipient field, or as the raw placeholder.

    Example
    ```
    name,phone
    Dana $time$,054-600-0001
    ```

    Use instead
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
