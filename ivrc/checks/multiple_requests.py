"""multiple-requests: more than one `dialer` or `simple_dialer` block in a file."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "multiple-requests"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a second `dialer` or `simple_dialer` block in one file.

    Why is this bad?
    A file compiles to exactly one request; its steps belong to that request. Two
    campaigns are two files.

    Example
    ```
    dialer { return_address "https://example.com/a"; numbers from queue }
    dialer { return_address "https://example.com/b"; numbers from queue }
    step hello { say "Hello" }
    ```

    Use instead
    ```
    dialer { return_address "https://example.com/a"; numbers from queue }
    step hello { say "Hello" }
    ```
    """
    requests = model.flow.requests
    for extra in requests[1:]:
        yield Diagnostic(
            NAME,
            SEVERITY,
            f"a second request block; this file already has a `{requests[0].kind}` on line {requests[0].span.line}",
            extra.keyword.span,
            "put each request in its own file",
        )
