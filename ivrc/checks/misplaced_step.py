"""misplaced-step: a step in a file whose request is a simple_dialer."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "misplaced-step"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `step` blocks beside a `simple_dialer`.

    Why is this bad?
    The simple dialer plays one sound and may bridge to a second number; it has no
    IVR, so steps there would be silently dropped.

    Example
    ```
    simple_dialer {
        leg_a "+972546000000"
        say "Your order has shipped"
    }
    step menu { say "Press 1" }
    ```

    Use instead
    ```
    simple_dialer {
        leg_a "+972546000000"
        say "Your order has shipped"
    }
    ```
    """
    if model.request is None or model.request.kind != "simple_dialer":
        return
    for step in model.steps:
        yield Diagnostic(
            NAME,
            SEVERITY,
            "a simple_dialer has no steps; this step would be dropped",
            step.name.span,
            "use a `dialer` block for a flow with steps",
        )
