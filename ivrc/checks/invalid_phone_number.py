"""invalid-phone-number: a number that cannot be a phone number, or a local one with no region."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.diagnostics import Diagnostic, Severity
from ivrc.model import Model

NAME = "invalid-phone-number"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Reads every phone number (`number`, `cli`, `leg_a`, `leg_b`, `call`) with the file's
    region and flags those that cannot be a phone number at all (wrong length, no such
    country code, letters), and local numbers when no region says which country they
    belong to.

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
        reading = use.reading
        if reading.status == "local":
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{use.text.value}` is a local number and no region says which country it is in",
                use.text.span,
                "add a `region` line (e.g. `region IL`), pass `--region`, or write the number with its country code (`+972…`)",
            )
        elif reading.status == "impossible":
            where = f" in {model.region}" if model.region and not use.text.value.lstrip().startswith("+") else ""
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{use.text.value}` cannot be a phone number{where}: {reading.reason}",
                use.text.span,
                "write the number as people dial it, or in E.164 form (`+14155552671`)",
            )
