"""suppressed-recipient: a recipient on a do-not-call list: not called."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "suppressed-recipient"
SEVERITY = Severity.INFO


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Notes a recipient whose number is on one of the policy's `suppress` lists (a national
    do-not-call registry, the team's own opt-outs), in any written form or as the `sha256:`
    of its E.164 form. The row is not sent; the plan counts it by list.

    Why is this bad?
    Calling a number on Israel's do-not-call registry costs up to NIS 45,000 a call; the US
    National Do Not Call Registry is enforced the same way. The service keeps no list: only
    ivrc can hold the row back.

    Example
    With `suppress = ["dnc/registry.csv"]`, whose lines include `0546000002`:
    ```
    name,phone
    Dana,054-600-0001
    Avi,054-600-0002
    ```

    Use instead
    Nothing to change: the row is held back. Remove it to keep the file tidy.
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
