"""stale-suppression-list: a do-not-call list older than the policy allows."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "stale-suppression-list"
SEVERITY = Severity.ERROR


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Finds a `suppress` list older, at the campaign's last call, than `suppress_max_age`. Its
    age is counted from its own date (a `# as of 2026-12-01` comment, or the newest value of an
    `as_of` or `checked` column), else from the file's modification time.

    Why is this bad?
    A registry changes every day. Israel's rules ask that it be checked within the 15 days
    before a marketing call; the US rules, within 31 days. An old copy misses the people who
    registered since.

    Example
    With `suppress_max_age = "15d"` and a campaign on 2026-12-07:
    ```
    # as of 2026-11-01
    phone
    0546000002
    ```

    Use instead
    Download the registry again:
    ```
    # as of 2026-12-06
    phone
    0546000002
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
