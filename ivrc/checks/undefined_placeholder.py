"""undefined-placeholder: a `$name$` in a text that no value fills."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, placeholders, spoken

NAME = "undefined-placeholder"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `$name$` placeholders in spoken text that have no value: in a step's `say`
    without a matching `name = "…"` in its `with` clause, and in any `play`, `invalid`
    or simple_dialer text, which cannot take values at all.

    Why is this bad?
    A placeholder with no value is spoken literally to every caller: they hear "dollar
    name dollar" (api-notes 11). A misspelt name (`$nmae$`) is the usual cause, so the
    help names the closest value the `with` clause gives.

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
                close = difflib.get_close_matches(name, sorted(given), n=1, cutoff=0.6) if given else []
                if close:
                    advice = f"did you mean `${close[0]}$`? (`{close[0]}` has a value)"
                elif fillable:
                    advice = (
                        f'add `{name} = "…"` to the `with` clause'
                        if prompt.with_bindings
                        else f'add `with {name} = "…"` after the text'
                    )
                else:
                    advice = "only a step's `say` can fill placeholders; write the words into the text"
                yield Diagnostic(
                    NAME,
                    SEVERITY,
                    f"placeholder `${name}$` has no value and will be spoken as written",
                    text.part(start, end),
                    advice,
                )
