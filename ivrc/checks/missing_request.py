"""missing-request: a file with no `dialer` or `simple_dialer` block."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "missing-request"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a file that has no `dialer` or `simple_dialer` block.

    Why is this bad?
    A .ivr file compiles to one request, and the block says which kind it is and where
    the call goes. Steps alone are not a request.

    Example
    ```
    step hello { say "Hello" }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        number "+972546000000"
    }
    step hello { say "Hello" }
    ```
    """
    if model.request is None:
        first = model.flow.items[0].span if model.flow.items else Span(1, 1, 1, 1)
        yield Diagnostic(
            NAME,
            SEVERITY,
            "the file has no `dialer` or `simple_dialer` block",
            Span(first.line, first.column, first.line, first.column, first.start, first.start),
            "add a `dialer { … }` block with the call's settings",
        )
