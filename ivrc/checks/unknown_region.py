"""unknown-region: a `region` line naming no known country."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import phone
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "unknown-region"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `region` whose code is not a two-letter region that phone numbers can be
    read for (ISO 3166, as `IL`, `US`, `GB`).

    Why is this bad?
    The region says how to read local numbers such as `054-600-0000`. With an unknown
    one, every local number in the file is unreadable.

    Example
    ```
    region ISR
    ```

    Use instead
    ```
    region IL
    ```
    """
    for region in model.flow.regions:
        if not phone.supported_region(region.code.text):
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{region.code.text}` is not a region phone numbers can be read for",
                region.code.span,
                "use a two-letter ISO 3166 code such as `IL`, `US` or `GB`",
            )
