"""invalid-range: a key range runs backwards, is not numeric, or is too large to list."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import MAX_RANGE_ENTRIES, Model

NAME = "invalid-range"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds key ranges whose first bound is larger than the last, that use `*` or `#`,
    or that span more entries than can be listed.

    Why is this bad?
    Ranges are inclusive and numeric only (api-notes 8): `20..10` matches nothing, and
    `*` has no place in a range. Every entry of a range is listed in `dtmf_ivr`, so a
    range of more than 10000 entries makes a request no service should be sent.

    Example
    ```
    step age {
        say "Enter your age"
        on 67..18 -> goto adult
    }
    ```

    Use instead
    ```
    step age {
        say "Enter your age"
        on 18..67 -> goto adult
    }
    ```
    """
    for step in model.steps:
        specs = [h.key for h in step.handlers] + [e for k in step.statements(ast.Keys) for e in k.entries]
        for spec in specs:
            if isinstance(spec, ast.KeyRange):
                problem = _problem(spec)
                if problem:
                    yield Diagnostic(NAME, SEVERITY, problem[0], spec.span, problem[1])


def _problem(spec: ast.KeyRange) -> tuple[str, str] | None:
    low, high = spec.low.text, spec.high.text
    label = f"{low}..{high}"
    if len(label) > 40:  # a bound of thousands of digits is shown by its start
        label = "..".join(bound if len(bound) <= 16 else f"{bound[:12]}…" for bound in (low, high))
    if not (ast.is_digits(low) and ast.is_digits(high)):
        return f"range `{label}` is not numeric", "ranges take digits only; handle `*` and `#` with their own `on`"
    first, last = ast.whole(low), ast.whole(high)
    if ast.BEYOND in (first, last):
        return (
            f"range `{label}` has bounds of more than {ast.MAX_DIGITS} digits; at most {MAX_RANGE_ENTRIES} entries "
            "can be listed",
            "split the flow into steps that ask for fewer digits",
        )
    if first > last:
        return f"range `{label}` is empty: {low} is larger than {high}", f"write it lowest first: `{high}..{low}`"
    if last - first >= MAX_RANGE_ENTRIES:
        return (
            f"range `{label}` has {last - first + 1} entries; at most {MAX_RANGE_ENTRIES} can be listed",
            "split the flow into steps that ask for fewer digits",
        )
    return None
