"""missing-recipients: a flow that takes values from recipients, compiled or simulated without a recipients file."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "missing-recipients"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a flow that takes values from each recipient (`recipient.name`, `number
    recipient.phone`) when it is compiled, simulated or deployed without a recipients file.

    Why is this bad?
    Such a flow is a template: it becomes one request per recipient, with that recipient's
    number and values. Without the recipients there is no request to write.

    Example
    ```
    ivrc compile reminder.ivr
    ```

    Use instead
    ```
    ivrc compile reminder.ivr --recipients patients.csv -o requests.jsonl
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
