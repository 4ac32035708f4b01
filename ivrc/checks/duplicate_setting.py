"""duplicate-setting: a setting written twice in one block."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "duplicate-setting"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a setting given twice in the same block: two `return_address` lines in a
    dialer, two `say` or `timeout` lines in a step, two `region` lines in a file.

    Why is this bad?
    A request field holds one value. Which of the two was meant cannot be known, so
    ivrc does not pick one.

    Example
    ```
    step menu {
        say "Press 1"
        timeout 3s
        timeout 5s
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1"
        timeout 5s
    }
    ```
    """
    yield from _repeats([("region", "region", r.span) for r in model.flow.regions])
    for request in model.flow.requests:
        yield from _repeats(_labels(request.body))
    for step in model.steps:
        yield from _repeats(_labels(step.body))


def _labels(body: tuple[Any, ...]) -> list[tuple[str, str, ast.Span]]:
    """Each statement that may appear once: (identity, words for it, span)."""
    found = []
    for statement in body:
        if isinstance(statement, ast.Setting):
            found.append((statement.field, statement.keyword.text, statement.keyword.span))
        elif isinstance(statement, (ast.Say, ast.Invalid, ast.Keys)):
            word = {ast.Say: "say", ast.Invalid: "invalid", ast.Keys: "keys"}[type(statement)]
            span = statement.span
            found.append(
                (
                    word,
                    word,
                    ast.Span(
                        span.line, span.column, span.line, span.column + len(word), span.start, span.start + len(word)
                    ),
                )
            )
    return found


def _repeats(labels: list[tuple[str, str, ast.Span]]) -> Iterator[Diagnostic]:
    first: dict[str, ast.Span] = {}
    for identity, words, span in labels:
        earlier = first.setdefault(identity, span)
        if earlier is not span:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{words}` is already set on line {earlier.line}",
                span,
                "keep one of the two",
            )
