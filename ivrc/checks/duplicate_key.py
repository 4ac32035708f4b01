"""duplicate-key: a step handles, or lists, the same key twice."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "duplicate-key"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a key that has two `on` handlers in one step, or that a `keys` list names twice.

    Why is this bad?
    The service runs one list of actions per key. With two, only one of them can ever
    run, and which one is up to the service.

    Example
    ```
    step menu {
        say "Press 1 to hear the news"
        on 1 -> play "Today's news"
        on 1 -> hangup
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 to hear the news"
        on 1 { play "Today's news"; hangup }
    }
    ```
    """
    for step in model.steps:
        yield from _repeated([h.key for h in step.handlers], "handled", "merge the two handlers into one")
        for keys in step.statements(ast.Keys):
            yield from _repeated(list(keys.entries), "listed", "list each key once")


def _repeated(specs: list[ast.KeySpec], verb: str, advice: str) -> Iterator[Diagnostic]:
    seen: dict[str, ast.Key] = {}
    for spec in specs:
        if not isinstance(spec, ast.Key):
            continue
        first = seen.setdefault(spec.text, spec)
        if first is not spec:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"key `{spec.text}` is {verb} twice in this step (first on line {first.span.line})",
                spec.span,
                advice,
            )
