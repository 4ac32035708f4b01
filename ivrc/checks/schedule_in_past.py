"""schedule-in-past: a timestamp schedule or dial_at that is not in the future."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, times, timestamp

NAME = "schedule-in-past"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `schedule at` time (a timestamp `schedule`) or a `dial_at` that is now or
    already past, at the moment ivrc runs.

    Why is this bad?
    The service answers a time in the past, or the current time, with an error
    (api-notes 12): the campaign is never created. A flow kept in git goes stale this
    way, so CI catches it before a deploy.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        schedule at 2020-01-01T09:00+02:00
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        schedule in 5m
    }
    ```
    """
    for time in times(model):
        try:
            moment = timestamp(time)
        except ValueError:
            continue  # invalid-time's finding
        if moment <= model.now:
            from datetime import datetime, timezone  # only to say when now is

            now = datetime.fromtimestamp(model.now, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{time.text}` is not in the future (it is now {now})",
                time.span,
                "move the time forward, or use `schedule in` for a time relative to sending",
            )
