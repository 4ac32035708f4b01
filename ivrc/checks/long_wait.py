"""long-wait: a wait longer than the configured limit (60 s by default)."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, waits

NAME = "long-wait"
SEVERITY = Severity.WARNING


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `wait` actions longer than the limit set by `long-wait-limit` in the
    configuration (60 seconds unless set).

    Why is this bad?
    Callers hang up on silence long before a long wait ends, and the line stays busy
    meanwhile. A long wait is usually a unit mistake: `wait 100000` seconds in the API
    document's own draft, or `5m` where `5s` was meant.

    Example
    ```
    step hold {
        say "Please hold"
        on 1 { wait 10m; hangup }
    }
    ```

    Use instead
    ```
    step hold {
        say "Please hold"
        on 1 { wait 10s; hangup }
    }
    ```
    """
    limit = model.config.long_wait_limit
    for wait in waits(model):
        if wait.duration.seconds > limit:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`wait {wait.duration.text}` is {wait.duration.seconds.normalize():f} s, longer than the "
                f"{limit.normalize():f} s limit",
                wait.duration.span,
                "shorten it, or raise `long-wait-limit` in the configuration",
            )
