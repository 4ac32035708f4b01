"""consent-expired: a recipient whose consent is older than the policy allows."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "consent-expired"
SEVERITY = Severity.ERROR


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Finds, in a marketing campaign, a recipient whose consent date (in `consent_column`) is
    older than `consent_max_age` at the moment of their call, or cannot be read as a date.
    Outside marketing the row is held back with a warning.

    Why is this bad?
    A consent does not last for ever: the policy says how long it holds (a year is common),
    and a call after that is a call without consent.

    Example
    With `consent_column = "consent_date"` and `consent_max_age = "365d"`, a call in December 2026:
    ```
    name,phone,consent_date
    Dana,054-600-0001,2024-03-01
    ```

    Use instead
    ```
    name,phone,consent_date
    Dana,054-600-0001,2026-03-01
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
