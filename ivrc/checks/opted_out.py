"""opted-out: a recipient who chose `mark remove` in a recorded call: not called."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "opted-out"
SEVERITY = Severity.INFO


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Notes a recipient whose number chose a `remove` mark in any call of the policy's
    `history` records, in any campaign of any flow. The row is not sent; the plan counts it.

    Why is this bad?
    `mark remove` stops only the list of the campaign it was pressed in, at the service. The
    person asked not to be called again: the next campaign must skip them too.
    `ivrc cdr CAMPAIGN --opt-outs` writes these numbers as a suppression list.

    Example
    With records in which 054-600-0002 pressed the key that marks `remove`:
    ```
    name,phone
    Dana,054-600-0001
    Avi,054-600-0002
    ```

    Use instead
    Nothing to change: the row is held back.
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
