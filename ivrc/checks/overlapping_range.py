"""overlapping-range: key ranges of a step overlap, or a single key falls inside a range."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, covers, entries

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
    """The user's own split: the range cut around what the other handler takes."""
    try:
        if isinstance(later, ast.Key):
            # Two single keys overlap only as a duplicate-key: the earlier one here is a range.
            return f"split `{_label(earlier)}` around it: {_listed(_around(cast(ast.KeyRange, earlier), later))}"
        if isinstance(earlier, ast.Key):
            return f"split `{_label(later)}` around `{earlier.text}`: {_listed(_around(later, earlier))}"
        rest = _minus(later, _bounds(earlier))
        if rest:
            return f"let `{_label(later)}` take only what `{_label(earlier)}` does not: {_listed(rest)}"
        return f"split `{_label(earlier)}` around `{_label(later)}`: {_listed(_around(earlier, later))}"
    except ValueError:  # bounds that are not plain numbers: invalid-range reports them
        return "make each entry belong to one handler only"


def _bounds(spec: ast.KeySpec) -> tuple[int, int]:
    if isinstance(spec, ast.Key):
        return _digits(spec.text), _digits(spec.text)
    return _digits(spec.low.text), _digits(spec.high.text)


def _digits(text: str) -> int:
    if not ast.is_digits(text) or len(text) > ast.MAX_DIGITS:
        raise ValueError(text)
    return int(text)


def _width(spec: ast.KeyRange) -> int:
    """Bounds written with the same number of digits keep it: `00..09`."""
    return len(spec.low.text) if len(spec.low.text) == len(spec.high.text) else 0


def _piece(low: int, high: int, width: int) -> str:
    written = (str(low).zfill(width), str(high).zfill(width))
    return written[0] if low == high else f"{written[0]}..{written[1]}"


def _minus(spec: ast.KeyRange, cut: tuple[int, int]) -> list[str]:
    """The parts of a range before and after [cut]."""
    low, high = _bounds(spec)
    width = _width(spec)
    before = [_piece(low, min(high, cut[0] - 1), width)] if low < cut[0] else []
    after = [_piece(max(low, cut[1] + 1), high, width)] if high > cut[1] else []
    return before + after


def _around(spec: ast.KeyRange, inner: ast.KeySpec) -> list[str]:
    """A range split into what lies before `inner`, `inner` itself, and what lies after it."""
    cut = _bounds(inner)
    low, high = _bounds(spec)
    width = _width(spec)
    before = [_piece(low, cut[0] - 1, width)] if low < cut[0] else []
    after = [_piece(cut[1] + 1, high, width)] if high > cut[1] else []
    return [*before, _label(inner), *after]


def _listed(parts: list[str]) -> str:
    return ", ".join(f"`{part}`" for part in parts)
