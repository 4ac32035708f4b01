"""overlapping-range: key ranges of a step overlap, or a single key falls inside a range."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc import ast
from ivrc.diagnostics import Diagnostic, Severity
from ivrc.model import Model, covers, entries

NAME = "overlapping-range"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Within one step, finds two key ranges that share an entry, and a key handled on its
    own that also falls inside a range.

    Why is this bad?
    The API requires a range's bounds to exclude any key handled separately, and ranges
    must not overlap (api-notes 8). An entry claimed twice has no defined action.

    Example
    ```
    step age {
        say "Enter your age"
        on 10..18 -> play "Too young"
        on 13 -> play "Happy bar mitzvah"
        on 18..67 -> goto adult
    }
    ```

    Use instead
    ```
    step age {
        say "Enter your age"
        on 10..12 -> play "Too young"
        on 13 -> play "Happy bar mitzvah"
        on 14..17 -> play "Too young"
        on 18..67 -> goto adult
    }
    ```
    """
    for step in model.steps:
        keys = [h.key for h in step.handlers]
        for later_index, later in enumerate(keys):
            for earlier in keys[:later_index]:
                shared = _shared(earlier, later)
                if shared is None:
                    continue
                yield Diagnostic(NAME, SEVERITY, _message(earlier, later, shared), later.span, _help(earlier, later))


def _shared(a: ast.KeySpec, b: ast.KeySpec) -> str | None:
    """An entry both handle, where at least one is a range."""
    if isinstance(a, ast.Key) and isinstance(b, ast.Key):
        return None  # duplicate-key's business
    if isinstance(a, ast.Key):
        return a.text if covers(b, a.text) else None
    if isinstance(b, ast.Key):
        return b.text if covers(a, b.text) else None
    smaller, other = sorted((a, b), key=lambda r: len(entries(r)))
    return next((e for e in entries(smaller) if covers(other, e)), None)


def _label(spec: ast.KeySpec) -> str:
    return spec.text if isinstance(spec, ast.Key) else f"{spec.low.text}..{spec.high.text}"


def _message(earlier: ast.KeySpec, later: ast.KeySpec, shared: str) -> str:
    where = f"(line {earlier.span.line})"
    if isinstance(later, ast.Key):
        return f"key `{shared}` is also inside the range `{_label(earlier)}` {where}"
    if isinstance(earlier, ast.Key):
        return f"range `{_label(later)}` includes `{shared}`, which is handled on its own {where}"
    return f"range `{_label(later)}` overlaps `{_label(earlier)}` {where}: both include `{shared}`"


def _help(earlier: ast.KeySpec, later: ast.KeySpec) -> str:
    if isinstance(earlier, ast.KeyRange) and isinstance(later, ast.KeyRange):
        return "make the ranges end before the next one begins"
    return "split the range around the key, as in `10..12`, `13`, `14..17`"
