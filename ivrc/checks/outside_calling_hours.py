"""outside-calling-hours: a call that would ring outside the recipient's calling hours, in their own local time."""

from __future__ import annotations

from pathlib import Path

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "outside-calling-hours"
SEVERITY = Severity.ERROR


def diagnose(
    message: str,
    span: Span,
    path: str | Path,
    help: str | None = None,
    severity: Severity = SEVERITY,  # noqa: A002
) -> Diagnostic:
    """What it does
    Finds a recipient whose call would start, in their own local time, outside the policy's
    `calling_hours`, on one of its `quiet_days`, or on a public holiday of their country
    (`holidays = true`): the flow's fixed `schedule at` or `dial_at`, or a phone list's one
    schedule, lands there. With `--start-at` (or no fixed time), each personal request is
    moved to the recipient's first allowed moment instead, and nothing is found.

    Why is this bad?
    The service calls at the time it is given, in any zone: it has no calling window. US
    rules allow telephone solicitation only from 08:00 to 21:00 in the called person's local
    time (47 CFR 64.1200(c)(1)); a call at 03:00 in Los Angeles, or on Shabbat in Israel,
    is a complaint, and often a fine.

    Example
    With `calling_hours = "08:00-21:00"` and a flow that says `schedule at
    2026-12-07T09:00+02:00` (07:00 in London, 02:00 in New York):
    ```
    name,phone
    Dana,054-600-0001
    Sam,+1 212 555 0100
    ```

    Use instead
    Leave the time out of the flow and give `--start-at 2026-12-07T09:00+02:00`: each
    request is scheduled at its recipient's first allowed moment.
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    return Diagnostic(NAME, severity, message, span, help, path=str(path))
