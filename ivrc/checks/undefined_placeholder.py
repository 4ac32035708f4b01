"""undefined-placeholder: a `$name$` in a text that no value fills."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.diagnostics import Diagnostic, Severity
from ivrc.model import Model, placeholders, spoken

NAME = "undefined-placeholder"
SEVERITY = Severity.WARNING


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `$name$` placeholders in spoken text that have no value: in a step's `say`
    without a matching `name = "…"` in its `with` clause, and in any `play`, `invalid`
    or simple_dialer text, which cannot take values at all.

    Why is this bad?
    A placeholder with no value is spoken literally: the caller hears "dollar name
    dollar" (api-notes 11).

    Example
    ```
    step remind {
        say "Hello $name$, your appointment is on $day$" with name = "Dana"
    }
    ```

    Use instead
    ```
    step remind {
        say "Hello $name$, your appointment is on $day$" with name = "Dana", day = "Monday"
    }
    ```
    """
    for prompt, fillable in spoken(model):
        given = {b.name.text for b in prompt.bindings}
        for text in prompt.texts:
            for name, start, end in placeholders(text.value):
                if name in given:
                    continue
                if fillable:
                    advice = f'add `{name} = "…"` to the `with` clause' if prompt.with_bindings else f'add `with {name} = "…"` after the text'
                else:
                    advice = "only a step's `say` can fill placeholders; write the words into the text"
                yield Diagnostic(NAME, SEVERITY, f"placeholder `${name}$` has no value and will be spoken as written", text.part(start, end), advice)

