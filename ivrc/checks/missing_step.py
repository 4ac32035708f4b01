"""missing-step: a dialer with no steps."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "missing-step"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `dialer` whose file has no `step`.

    Why is this bad?
    The dialer's IVR needs at least one step (`count_steps` has a minimum of 1): with
    none, the call has nothing to say.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        number "+972546000000"
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        number "+972546000000"
    }
    step hello { say "Hello" }
    ```
    """
    if model.request is not None and model.request.kind == "dialer" and not model.steps:
        yield Diagnostic(
            NAME, SEVERITY, "the dialer has no steps", model.request.keyword.span, 'add a `step NAME { say "…" }`'
        )
