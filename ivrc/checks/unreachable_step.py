"""unreachable-step: no goto path leads from the first step to this one."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "unreachable-step"
SEVERITY = Severity.WARNING
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    In a flow that branches (it has a `goto`), finds steps that no chain of gotos from
    the first step leads to.

    Why is this bad?
    When a flow uses `goto`, the service enters the first step only and every other step
    is reached by a jump (api-notes 5). A step nothing jumps to is never heard: it is
    dead weight, or a jump to it was forgotten. Flows without any `goto` run their steps
    in order, so there every step is reached.

    Example
    ```
    step menu {
        say "Press 1 for sales"
        on 1 -> goto sales
    }
    step sales { say "Connecting you" }
    step support { say "Support is closed" }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 for sales, 2 for support"
        on 1 -> goto sales
        on 2 -> goto support
    }
    step sales { say "Connecting you" }
    step support { say "Support is closed" }
    ```
    """
    if not model.dependency or not model.steps:
        return
    first = model.steps[0].name.text
    for step in model.steps:
        if step.name.text not in model.reachable:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"step `{step.name.text}` is never reached: no `goto` leads to it from `{first}`",
                step.name.span,
                f"add `goto {step.name.text}` to a key of a reachable step, or remove the step",
            )
