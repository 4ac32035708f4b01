"""missing-number: a request with no number to call and no campaign queue to take numbers from."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "missing-number"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True

# Request kind -> (the number's setting, the flag that takes numbers from an uploaded list).
_FIELDS = {
    "dialer": ("number", "numbers_from_queue", "numbers from queue"),
    "simple_dialer": ("leg_a", "from_campaign", "numbers from campaign"),
}


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `dialer` with neither `number` nor `numbers from queue`, and a
    `simple_dialer` with neither `leg_a` nor `numbers from campaign`.

    Why is this bad?
    The service needs to know whom to call: one number in the request, or the numbers
    uploaded to the campaign. Without either it answers with an error.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
    }
    ```
    """
    request = model.request
    if request is None:
        return
    number, flag, flag_words = _FIELDS[request.kind]
    if request.setting(number) is None and request.setting(flag) is None:
        yield Diagnostic(
            NAME,
            SEVERITY,
            f"the {request.kind} has no number to call",
            request.keyword.span,
            f'add `{number} "+972…"`, or `{flag_words}` to call the uploaded phone list',
        )
