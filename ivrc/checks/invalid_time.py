"""invalid-time: a `schedule at` or `dial_at` time that is not a real time with a UTC offset."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, times, timestamp

NAME = "invalid-time"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds absolute times that do not exist (`2026-02-30T09:00+02:00`) or have no UTC
    offset (`2026-12-01T09:00`).

    Why is this bad?
    The time becomes a Unix timestamp. Without an offset it could be any of 24 hours
    around the world, and ivrc does not guess one from the machine it runs on.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        schedule at 2026-12-01T09:00
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        schedule at 2036-12-01T09:00+02:00
    }
    ```
    """
    for time in times(model):
        try:
            timestamp(time)
        except ValueError as error:
            yield Diagnostic(
                NAME,
                SEVERITY,
                str(error),
                time.span,
                "write it as `YYYY-MM-DDTHH:MM+HH:MM`, e.g. `2036-12-01T09:00+02:00`",
            )
