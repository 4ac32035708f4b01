"""fractional-duration: a duration with a fraction of a second where the API takes whole seconds."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, settings

NAME = "fractional-duration"
SEVERITY = Severity.ERROR

# Every duration field but wait's `sleep`, which takes fractions (and is rounded up).
WHOLE_SECONDS = ("ring_timeout", "retry_wait_time", "answer_delay", "dtmf_ivr_timeout", "schedule")


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `ring_timeout`, `retry_wait_time`, `answer_delay`, `timeout` and
    `schedule in` durations that are not a whole number of seconds.

    Why is this bad?
    These fields are integers of seconds in the API. Rounding `1500ms` up or down would
    change what the flow does without saying so.

    Example
    ```
    step menu {
        say "Press 1"
        timeout 1500ms
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1"
        timeout 2s
    }
    ```
    """
    for setting in settings(model):
        if setting.field not in WHOLE_SECONDS:
            continue
        value = setting.value
        duration = value.value if isinstance(value, ast.Schedule) else value
        if isinstance(duration, ast.Duration) and duration.seconds != int(duration.seconds):
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{setting.keyword.text}` takes whole seconds; `{duration.text}` is {duration.seconds.normalize()} s",
                duration.span,
                "round it to whole seconds",
            )
