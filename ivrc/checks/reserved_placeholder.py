"""reserved-placeholder: a placeholder named `text` or `fields`."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "reserved-placeholder"
SEVERITY = Severity.ERROR

RESERVED = ("text", "fields")


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `say … with` value named `text` or `fields`.

    Why is this bad?
    A prompt with placeholders is sent as an object whose `text` and `fields` keys are
    the prompt itself and the number of values; every other key is a value
    (api-notes 11). A value with one of those names would overwrite the prompt.

    Example
    ```
    step hello {
        say "Your text is $text$" with text = "ready"
    }
    ```

    Use instead
    ```
    step hello {
        say "Your text is $status$" with status = "ready"
    }
    ```
    """
    for step in model.steps:
        for say in step.statements(ast.Say):
            if isinstance(say.prompt, ast.SpokenPrompt):
                for binding in say.prompt.bindings:
                    if binding.name.text in RESERVED:
                        yield Diagnostic(
                            NAME,
                            SEVERITY,
                            f"a placeholder cannot be named `{binding.name.text}`: the prompt object uses that key",
                            binding.name.span,
                            "rename the placeholder in the text and here",
                        )
