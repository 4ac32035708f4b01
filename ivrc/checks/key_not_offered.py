"""key-not-offered: a handled key that the step's `keys` list leaves out."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, entries

NAME = "key-not-offered"
SEVERITY = Severity.WARNING
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    In a step with an explicit `keys` list (`dtmf_ivr` in JSON), finds `on` handlers for
    keys the list does not include.

    Why is this bad?
    The service accepts only the keys in `dtmf_ivr`. A key outside it counts as invalid,
    so its handler never runs.

    Example
    ```
    step menu {
        say "Press 1 or 2"
        keys 1
        on 1 -> goto menu
        on 2 -> hangup
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 or 2"
        keys 1, 2
        on 1 -> goto menu
        on 2 -> hangup
    }
    ```
    """
    for step in model.steps:
        written = step.statements(ast.Keys)
        if not written:
            continue
        offered = {entry for spec in written[0].entries for entry in entries(spec)}
        for handler in step.handlers:
            missing = [e for e in entries(handler.key) if e not in offered]
            if missing:
                shown = ", ".join(f"`{e}`" for e in missing[:5]) + (", …" if len(missing) > 5 else "")
                yield Diagnostic(
                    NAME,
                    SEVERITY,
                    f"{shown} {'is' if len(missing) == 1 else 'are'} handled but not in the step's keys (line "
                    f"{written[0].span.line})",
                    handler.key.span,
                    "add it to `keys`, or remove the `keys` line to offer every handled key",
                )
