"""invalid-key: a key entry with characters a phone keypad does not have."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "invalid-key"
SEVERITY = Severity.ERROR

KEYPAD = frozenset("0123456789*#")


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a key in `on` or `keys` that is empty or holds anything but `0`-`9`, `*` and `#`.

    Why is this bad?
    `dtmf_ivr` allows only the keypad's keys. A caller cannot press `a`, so a handler for
    it never runs.

    Example
    ```
    step menu {
        say "Press star to repeat"
        on "star" -> goto menu
    }
    ```

    Use instead
    ```
    step menu {
        say "Press star to repeat"
        on * -> goto menu
    }
    ```
    """
    for step in model.steps:
        specs = [h.key for h in step.handlers] + [e for k in step.statements(ast.Keys) for e in k.entries]
        for spec in specs:
            if isinstance(spec, ast.Key) and (not spec.text or not set(spec.text) <= KEYPAD):
                message = f"`{spec.text}` is not a key sequence" if spec.text else "a key cannot be empty"
                yield Diagnostic(NAME, SEVERITY, message, spec.span, "keys are `0`-`9`, `*` and `#`")
