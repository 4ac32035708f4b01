"""count-steps-mismatch: a JSON request whose count_steps is not the number of its steps."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "count-steps-mismatch"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Compares a JSON request's `ivr.count_steps` with the length of `ivr.steps`. ivrc
    computes `count_steps` for .ivr files, so this concerns JSON requests.

    Why is this bad?
    The service stops at the smaller of the two (api-notes 6): with `count_steps` too
    small, the last steps are silently never played.

    Example
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "ivr": {"count_steps": 1, "steps": [{"step_id": "a"}, {"step_id": "b"}]}}
    ```

    Use instead
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "ivr": {"count_steps": 2, "steps": [{"step_id": "a"}, {"step_id": "b"}]}}
    ```
    """
    declared = model.request.declared_value("count_steps") if model.request else None
    if declared is None or not isinstance(declared.value, ast.Integer):
        return
    count, actual = declared.value.value, len(model.steps)
    if count != actual:
        effect = f"the service stops after step {count}" if count < actual else "the service stops at the last step"
        yield Diagnostic(
            NAME,
            SEVERITY,
            f"count_steps is {count} but there {'is 1 step' if actual == 1 else f'are {actual} steps'}; {effect}",
            declared.value.span,
            f"set count_steps to {actual}",
        )
