"""unallocated-phone-number: a possible number outside the numbering plan phonenumbers knows."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import phone
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "unallocated-phone-number"
SEVERITY = Severity.WARNING


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Flags a number that has the right shape for its country but lies outside the
    numbering plan known to the `phonenumbers` library, such as a mobile prefix that
    has not been allocated. When the digits do begin a kind of number of that country,
    but one of another length, the number is an `invalid-phone-number` error instead.

    Why is this bad?
    Such a number is most likely a typo, and a call to it fails. It is only a warning:
    numbering plans change faster than the library's data, and the API document's own
    sample numbers are of this kind (api-notes 14).

    Example
    ```
    region IL
    dialer {
        return_address "https://example.com/report"
        number "054-000-0000"
    }
    ```

    Use instead
    ```
    region IL
    dialer {
        return_address "https://example.com/report"
        number "054-600-0000"
    }
    ```
    """
    for use in model.phones:
        if use.reading.status == "unallocated":
            yield diagnose_value(use.text.value, use.reading, use.text.span, "<string>")


def diagnose_value(written: str, reading: phone.Reading, span: Span, path: str) -> Diagnostic:
    country = reading.region or "its country"
    return Diagnostic(
        NAME,
        SEVERITY,
        f"`{written}` (+{reading.digits}) is outside the numbering plan known for {country}",
        span,
        "check the number; if it is right, the numbering data is behind and this can be ignored",
        path,
    )
