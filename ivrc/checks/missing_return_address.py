"""missing-return-address: a dialer request without the return_address the API requires."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "missing-return-address"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `dialer` block with no `return_address`, or an empty one.

    Why is this bad?
    The service reports each call's outcome to the return address, and it answers a
    request without one with an error (api-notes 13).

    Example
    ```
    dialer {
        number "+972546000000"
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/ivr-report"
        number "+972546000000"
    }
    ```
    """
    request = model.request
    if request is None or request.kind != "dialer":
        return
    setting = request.setting("return_address")
    if setting is None:
        yield Diagnostic(
            NAME,
            SEVERITY,
            "the dialer has no `return_address`; the service requires one",
            request.keyword.span,
            'add `return_address "https://…"`: where the service reports each call',
        )
    elif not getattr(setting.value, "value", "").strip():
        yield Diagnostic(
            NAME,
            SEVERITY,
            "`return_address` is empty",
            setting.value.span,
            "give the address the service reports calls to",
        )
