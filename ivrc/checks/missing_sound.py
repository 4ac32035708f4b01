"""missing-sound: a simple_dialer with nothing to play."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "missing-sound"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `simple_dialer` without a `say` line.

    Why is this bad?
    The simple dialer's one job is to play its `sound` (a text or a recording) to the
    callee; the request is incomplete without it.

    Example
    ```
    simple_dialer {
        leg_a "+972546000000"
    }
    ```

    Use instead
    ```
    simple_dialer {
        leg_a "+972546000000"
        say "Your order has shipped"
    }
    ```
    """
    request = model.request
    if request is not None and request.kind == "simple_dialer" and not request.statements(ast.Say):
        yield Diagnostic(
            NAME,
            SEVERITY,
            "the simple_dialer has nothing to play",
            request.keyword.span,
            'add `say "…"` or `say file "recording.wav"`',
        )
