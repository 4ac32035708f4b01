"""retries-past-window: a call whose last try could end after the calling window closes."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "retries-past-window"
SEVERITY = Severity.WARNING


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Finds a call that starts inside the calling window but whose last try could end after
    it: `max_retries` × (`ring_timeout` + `retry_wait_time`) plus the flow's longest path
    (its waits, timeouts and prompts) after the start passes the window's end, or no window
    of the day is long enough for it.

    Why is this bad?
    A retry is a new call, and it rings whenever the service gets to it: a call started at
    20:55 with three retries of a minute each rings again at 21:01, outside the window.

    Example
    With `calling_hours = "08:00-21:00"`, a flow with `max_retries 10`, `ring_timeout 25s`
    and `retry_wait_time 10m` (about two hours) that says `schedule at 2030-12-09T20:00+02:00`:
    ```
    name,phone
    Dana,054-600-0001
    ```

    Use instead
    Fewer retries and a shorter wait (`max_retries 2`, `retry_wait_time 1m`), or an earlier
    start: the last try then ends inside the window.
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
