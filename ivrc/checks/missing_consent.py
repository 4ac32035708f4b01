"""missing-consent: a recipient of a marketing campaign without a recorded consent."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "missing-consent"
SEVERITY = Severity.ERROR


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Finds, in a marketing campaign, a recipient whose `consent_column` (named by the policy)
    is empty or missing. Outside marketing the row is held back with a warning.

    Why is this bad?
    Israel's Communications Law (§30A) forbids automatic marketing calls without the
    recipient's prior consent, and the US rules ask for prior express written consent for
    prerecorded marketing calls to mobile phones. A row without it cannot be called.

    Example
    With `consent_column = "consent_date"`:
    ```
    name,phone,consent_date
    Dana,054-600-0001,
    ```

    Use instead
    ```
    name,phone,consent_date
    Dana,054-600-0001,2026-03-01
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
