"""invalid-phone-number: a number that cannot be a phone number, or a local one with no region."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import phone
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "invalid-phone-number"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Reads every phone number (`number`, `cli`, `leg_a`, `leg_b`, `call`) with the file's
    region and flags those that cannot be a phone number at all (wrong length, no such
    country code, letters), and local numbers when no region says which country they
    belong to. A length counts as wrong when no number that begins with the same digits
    has it: Israeli numbers that begin `09` have 8 digits after the 0, so `09-774-220` is
    an error even though other Israeli numbers have 7.

    Why is this bad?
    The service rejects a request whose number is invalid, or dials the wrong place.
    A local number such as `054-600-0000` means different things in different
    countries, so ivrc never guesses one (api-notes 14).

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        number "054-600-0000"
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
        found = diagnose_value(use.text.value, use.reading, use.text.span, "<string>", model.region)
        if found is not None:
            yield found


def diagnose_value(
    written: str, reading: phone.Reading, span: Span, path: str, region: str | None = None
) -> Diagnostic | None:
    """The finding for one written number, in a flow or in a recipients file; None when it is a number."""
    if reading.status == "local":
        return Diagnostic(
            NAME,
            SEVERITY,
            f"`{written}` is a local number and no region says which country it is in",
            span,
            "add a `region` line (e.g. `region IL`), pass `--region`, or write the number with its country code "
            "(`+972…`)",
            path,
        )
    if reading.status == "misfit":
        return Diagnostic(
            NAME,
            SEVERITY,
            f"`{written}` cannot be a phone number: {reading.reason}",
            span,
            "check the number for a missing or extra digit",
            path,
        )
    if reading.status == "impossible":
        where = f" in {region}" if region and not written.lstrip().startswith("+") else ""
        return Diagnostic(
            NAME,
            SEVERITY,
            f"`{written}` cannot be a phone number{where}: {reading.reason}",
            span,
            "write the number as people dial it, or in E.164 form (`+14155552671`)",
            path,
        )
    return None
