"""duplicate-step: two steps share a name."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "duplicate-step"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a step whose name an earlier step already has.

    Why is this bad?
    A step's name is its `step_id`, which `goto` uses to find it. With two steps of
    one name, a jump can only ever reach one of them.

    Example
    ```
    step menu { say "Press 1" }
    step menu { say "Press 2" }
    ```

    Use instead
    ```
    step menu { say "Press 1" }
    step second_menu { say "Press 2" }
    ```
    """
    for step in model.steps:
        first = model.by_name[step.name.text]
        if first is not step:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"a step named `{step.name.text}` is already defined on line {first.name.span.line}",
                step.name.span,
                "give each step its own name",
            )
