"""ambiguous-key-prefix: one offered entry begins another, so the shorter waits for a timeout."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, entries, offered_specs

NAME = "ambiguous-key-prefix"
SEVERITY = Severity.WARNING
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a step that offers both an entry and a longer one that begins with it, such as
    `1` and `11`.

    Why is this bad?
    After the caller presses 1, the service cannot know whether a second 1 is coming, so
    it waits for the whole timeout before acting on `1`. Callers hear silence and often
    press again.

    Example
    ```
    step menu {
        say "Press 1 for sales, 11 for the manager"
        on 1 -> goto menu
        on 11 -> hangup
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 for sales, 2 for the manager"
        on 1 -> goto menu
        on 2 -> hangup
    }
    ```
    """
    for step in model.steps:
        located: dict[str, ast.KeySpec] = {}
        for spec in offered_specs(step):
            for entry in entries(spec):
                located.setdefault(entry, spec)
        reported: set[int] = set()
        ordered = sorted(located)
        # In sorted order, the entries an entry begins come right after it.
        for entry, following in zip(ordered, ordered[1:], strict=False):
            spec = located[entry]
            longer = following if following.startswith(entry) else None
            if longer is not None and id(spec) not in reported:
                reported.add(id(spec))
                yield Diagnostic(
                    NAME,
                    SEVERITY,
                    f"`{entry}` is also the start of `{longer}`, so after `{entry}` the service waits for the timeout",
                    spec.span,
                    "offer entries where none begins another (e.g. `2` instead of `11`)",
                )
