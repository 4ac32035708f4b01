"""key-without-action: a key the step offers that no handler takes."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, entries, range_bounds, within

NAME = "key-without-action"
SEVERITY = Severity.WARNING
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds keys in a step's `keys` list (`dtmf_ivr` in JSON) that no `on` handler takes.

    Why is this bad?
    The caller presses a key the prompt offered and the call simply ends (or, in a
    flow without `goto`, moves to the next step): usually a handler was forgotten.

    Example
    ```
    step menu {
        say "Press 1 for sales, 2 for support"
        keys 1, 2
        on 1 -> goto menu
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 for sales, 2 for support"
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
        handled = [h.key for h in step.handlers]
        # A key handled alone is found in a set; only ranges are looked through, their bounds read once.
        alone = {h.text for h in handled if isinstance(h, ast.Key)}
        ranges = [b for h in handled if isinstance(h, ast.KeyRange) for b in [range_bounds(h)] if b is not None]
        for keys in written:
            for spec in keys.entries:
                unhandled = [e for e in entries(spec) if e not in alone and not any(within(b, e) for b in ranges)]
                if unhandled:
                    shown = ", ".join(f"`{e}`" for e in unhandled[:5]) + (", …" if len(unhandled) > 5 else "")
                    yield Diagnostic(
                        NAME,
                        SEVERITY,
                        f"{shown} {'is' if len(unhandled) == 1 else 'are'} offered but no `on` handles "
                        f"{'it' if len(unhandled) == 1 else 'them'}",
                        spec.span,
                        "add an `on` handler, or take the key out of `keys`",
                    )
