"""value-out-of-range: a retry count or a duration outside what the API can take."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import MAX_RETRIES, Model, settings

NAME = "value-out-of-range"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `max_retries` and a step's `retries` above 10000, and durations (`ring_timeout`,
    `timeout`, `wait`, `schedule in`, …) longer than 10^9 seconds, about 31 years.

    Why is this bad?
    The API document bounds `max_retries` to 0..10000, and a step's retries stand in for
    it; the service refuses a larger value. No duration of a call or a schedule comes near
    31 years: a longer one is a slip of the keyboard, and cannot be sent as an integer.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        max_retries 20000
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        max_retries 10
    }
    ```
    """
    for duration in _durations(model):
        if duration.seconds > MAX_SECONDS:
            shown = duration.text if len(duration.text) <= 24 else f"{duration.text[:12]}…"
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{shown}` is longer than {MAX_SECONDS} seconds (about 31 years)",
                duration.span,
                "write the duration the call needs",
            )
    for setting in settings(model):
        value = setting.value
        if isinstance(value, ast.Integer) and value.value > MAX_RETRIES:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{setting.keyword.text}` is "
                f"{value.value if value.value < ast.BEYOND else f'a number of more than {ast.MAX_DIGITS} digits'}; "
                f"the API allows 0 to {MAX_RETRIES}",
                value.span,
                f"use at most {MAX_RETRIES}",
            )


MAX_SECONDS = 10**9


def _durations(model: Model) -> Iterator[ast.Duration]:
    for setting in settings(model):
        value = setting.value.value if isinstance(setting.value, ast.Schedule) else setting.value
        if isinstance(value, ast.Duration):
            yield value
    for step in model.steps:
        for handler in step.handlers:
            yield from (action.duration for action in handler.actions if isinstance(action, ast.Wait))
