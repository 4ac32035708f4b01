"""ambiguous-timezone: a number whose time zone cannot be told for certain."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "ambiguous-timezone"
SEVERITY = Severity.INFO


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Notes a recipient whose number has several time zones (a US area code that crosses a
    zone line, a toll-free number), or none (then `default_timezone` is used). The call is
    placed only when every zone of the number allows it.

    Why is this bad?
    It is not bad, but the window is narrower than it looks: a toll-free number is allowed
    only in the hours that are inside the window everywhere from Hawaii to Newfoundland. A
    `timezone` column with the person's own zone (an IANA name) widens it.

    Example
    ```
    name,phone
    Sam,+1 800 555 0100
    ```

    Use instead
    ```
    name,phone,timezone
    Sam,+1 800 555 0100,America/Chicago
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
