"""goto-ignored: a goto in a request whose have_dependency is "false"."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, gotos

NAME = "goto-ignored"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `goto` actions in a request that sets `have_dependency` to `"false"`. ivrc
    derives `have_dependency` for .ivr files, so this concerns JSON requests.

    Why is this bad?
    With `have_dependency` false the service runs the steps in order and ignores every
    `goto` (api-notes 5): the branching the request describes never happens.

    Example
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "ivr": {"count_steps": 2, "have_dependency": "false", "steps": [
       {"step_id": "menu", "dtmf_ivr": "1",
        "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": "end"}}]}]},
       {"step_id": "end"}]}}
    ```

    Use instead
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "ivr": {"count_steps": 2, "have_dependency": "true", "steps": [
       {"step_id": "menu", "dtmf_ivr": "1",
        "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": "end"}}]}]},
       {"step_id": "end"}]}}
    ```
    """
    if model.dependency or model.request is None:
        return
    declared = model.request.declared_value("have_dependency")
    where = f" (line {declared.span.line})" if declared else ""
    for _, goto in gotos(model.steps):
        yield Diagnostic(
            NAME,
            SEVERITY,
            f'this goto is ignored: have_dependency is "false"{where}',
            goto.span,
            'set have_dependency to "true", or remove the goto',
        )
