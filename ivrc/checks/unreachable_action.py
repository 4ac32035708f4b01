"""unreachable-action: actions after a hangup, goto or call in one list."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "unreachable-action"
SEVERITY = Severity.WARNING

_WORDS = {ast.Hangup: "hangup", ast.Goto: "goto", ast.Call: "call"}


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds actions that follow a `hangup`, a `goto` or a `call` in the same key's list.

    Why is this bad?
    Each of those ends the list: the call is over, has moved to another step, or is
    bridged until it ends. Whatever comes after never runs.

    Example
    ```
    step menu {
        say "Press 1 to leave a message"
        on 1 { hangup; play "Thank you" }
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 to leave a message"
        on 1 { play "Thank you"; hangup }
    }
    ```
    """
    for step in model.steps:
        for handler in step.handlers:
            for index, action in enumerate(handler.actions[:-1]):
                if isinstance(action, ast.ENDING_ACTIONS):
                    rest = handler.actions[index + 1 :]
                    span = rest[0].span.cover(rest[-1].span)
                    word = _WORDS[type(action)]
                    yield Diagnostic(
                        NAME,
                        SEVERITY,
                        f"this never runs: the list ends at `{word}` (line {action.span.line})",
                        span,
                        f"move it before `{word}`, or remove it",
                    )
                    break
