"""conflicting-settings: one number to call and a list to take numbers from, both at once."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "conflicting-settings"
SEVERITY = Severity.ERROR
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True

_PAIRS = {"dialer": ("number", "numbers_from_queue"), "simple_dialer": ("leg_a", "from_campaign")}


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `dialer` with both `number` and `numbers from queue`, and a `simple_dialer`
    with both `leg_a` and `numbers from campaign`.

    Why is this bad?
    When numbers come from the campaign's list the service ignores the single number
    (and its caller id and DTMF), so one of the two lines does not do what it says.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        number "+972546000000"
        numbers from queue
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
    single, listed = _PAIRS[request.kind]
    one, many = request.setting(single), request.setting(listed)
    if one is not None and many is not None:
        yield Diagnostic(
            NAME,
            SEVERITY,
            f"`{one.keyword.text}` is ignored when numbers come from the list (line {many.span.line})",
            one.span,
            f"remove `{one.keyword.text}`, or the `numbers from …` line",
        )
