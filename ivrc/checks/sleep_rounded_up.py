"""sleep-rounded-up: a fractional wait, which the service rounds up to whole seconds."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, waits

NAME = "sleep-rounded-up"
SEVERITY = Severity.INFO


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Points out `wait` actions that are not a whole number of seconds.

    Why is this bad?
    The service rounds a fractional `sleep` up (api-notes 10): `wait 0.5s` waits a full
    second. That is often fine, which is why this is only information, but the flow's
    timing is not what the file says.

    Example
    ```
    step thanks {
        say "Thank you"
        on 1 { wait 1.5s; hangup }
    }
    ```

    Use instead
    ```
    step thanks {
        say "Thank you"
        on 1 { wait 2s; hangup }
    }
    ```
    """
    for wait in waits(model):
        seconds = wait.duration.seconds
        if seconds != int(seconds):
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`wait {wait.duration.text}` waits {math.ceil(seconds)} s: the service rounds up",
                wait.duration.span,
                f"write `wait {math.ceil(seconds)}s` to say what happens",
            )
