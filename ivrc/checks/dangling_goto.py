"""dangling-goto: a goto names a step that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, gotos
from ivrc.language.suggest import Suggester

NAME = "dangling-goto"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `goto` whose target is not the name of any step in the file.

    Why is this bad?
    The service cannot follow the jump: a caller who presses that key is left with no
    next step, and the mistake shows only when a real phone rings.

    Example
    ```
    step menu {
        say "Press 1 for sales"
        on 1 -> goto slaes
    }
    step sales { say "Connecting you" }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 for sales"
        on 1 -> goto sales
    }
    step sales { say "Connecting you" }
    ```
    """
    names = list(model.by_name)
    suggest = Suggester(names)
    for _, goto in gotos(model.steps):
        target = goto.target.text
        if target in model.by_name:
            continue
        close = suggest.close(target)
        hint = f"did you mean `{close}`?" if close else _known(names)
        yield Diagnostic(NAME, SEVERITY, f"`goto` names a step that does not exist: `{target}`", goto.target.span, hint)


def _known(names: list[str]) -> str | None:
    if not names:
        return "add a `step` with this name"
    shown = ", ".join(f"`{n}`" for n in names[:6])
    return f"the steps are {shown}" + (", …" if len(names) > 6 else "")
