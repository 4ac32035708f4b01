"""attempt-cap: a recipient called as often as the policy allows already: not called."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "attempt-cap"
SEVERITY = Severity.INFO


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Notes a recipient who, counting the call records in the policy's `history`, would be
    called more than `max_attempts` times (`7/7d`: seven calls in any seven days) with this
    call. The row is not sent; the plan counts it.

    Why is this bad?
    Calling one person again and again is harassment, and for debts it is capped by law (12
    CFR 1006.14: seven calls in seven days). The service counts nothing across campaigns.

    Example
    With `max_attempts = "2/7d"` and records of two calls to 054-600-0001 this week:
    ```
    name,phone
    Dana,054-600-0001
    ```

    Use instead
    Nothing to change: the row is held back until the week has passed.
    ```
    name,phone
    Avi,054-600-0002
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
