"""unused-placeholder: a placeholder value that its text never uses."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, placeholders

NAME = "unused-placeholder"
SEVERITY = Severity.WARNING


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a value in a `say … with` clause whose `$name$` does not appear in the text,
    and a name given a value twice.

    Why is this bad?
    The value is sent but never spoken: usually the text or the name has a typo, and the
    caller hears a placeholder, or misses a word, where the value should have been.

    Example
    ```
    step remind {
        say "Hello $name$" with name = "Dana", day = "Monday"
    }
    ```

    Use instead
    ```
    step remind {
        say "Hello $name$, see you on $day$" with name = "Dana", day = "Monday"
    }
    ```
    """
    for step in model.steps:
        for say in step.statements(ast.Say):
            prompt = say.prompt
            if not isinstance(prompt, ast.SpokenPrompt):
                continue
            used = {name for text in prompt.texts for name, _, _ in placeholders(text.value)}
            last = {b.name.text: b for b in prompt.bindings}
            for binding in prompt.bindings:
                name = binding.name.text
                if last[name] is not binding:
                    yield Diagnostic(
                        NAME,
                        SEVERITY,
                        f"`{name}` is given a value again later; this one is never used",
                        binding.span,
                        "remove one of the two values",
                    )
                elif name not in used:
                    yield Diagnostic(
                        NAME,
                        SEVERITY,
                        f"the text has no `${name}$`, so this value is never spoken",
                        binding.span,
                        f"use `${name}$` in the text, or remove the value",
                    )
