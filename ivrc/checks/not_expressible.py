"""not-expressible: a part of a JSON request that `ivrc decompile` cannot write as .ivr."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "not-expressible"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, hint: str | None = None) -> Diagnostic:
    """What it does
    Reports, when decompiling a JSON request, each part that the .ivr language cannot
    write so that it compiles back to the same request: an unknown field, a value of the
    wrong type, a `have_dependency` or `count_steps` that contradicts the steps (ivrc
    derives both), a `call` without `cli`, a `fields` count that is not the number of
    placeholder values.

    Why is this bad?
    Decompiling promises that `ivrc compile` gives back the same request. Rather than
    drop or change something silently, ivrc names it and writes nothing.

    Example
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "ivr": {"count_steps": 1, "have_dependency": "true", "steps": [{"step_id": "a", "prompt": "Hi"}]}}
    ```

    Use instead
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "ivr": {"count_steps": 1, "have_dependency": "false", "steps": [{"step_id": "a", "prompt": "Hi"}]}}
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, hint)
