"""hidden-caller-id: a marketing flow that calls from a hidden number."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.checks.missing_opt_out import purpose
from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "hidden-caller-id"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    In a marketing flow, finds a dialer without a `cli` (or a simple dialer whose `leg_a` has
    no `cli`): the service then calls from a hidden number.

    Why is this bad?
    The rules for marketing calls ask that the callee can see who calls and call back (47
    CFR 64.1601(e) in the US; Israel's registry rules name the advertiser). A hidden number is
    also the surest way to be ignored and reported.

    Example
    ```
    # ivrc: purpose marketing
    dialer {
        return_address "https://example.com/report"
        numbers from queue
    }
    ```

    Use instead
    ```
    # ivrc: purpose marketing
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        cli "03-123-4567"
    }
    ```
    """
    request = model.request
    if purpose(model) != "marketing" or request is None:
        return
    if request.kind == "dialer":
        setting = request.setting("cli")
        caller = setting.value if setting is not None and isinstance(setting.value, ast.Text) else None
    else:
        leg = request.setting("leg_a")
        caller = leg.value.cli if leg is not None and isinstance(leg.value, ast.Leg) else None
    shown = (caller is not None and bool(caller.value.strip())) or bool(model.config.overrides.get("cli"))
    if not shown:
        yield Diagnostic(
            NAME,
            SEVERITY,
            "a marketing flow calls from a hidden number: it has no caller id",
            request.keyword.span,
            'add the number people can call back: `cli "03-123-4567"`'
            + (" (in a simple dialer, `leg_a NUMBER cli NUMBER`)" if request.kind == "simple_dialer" else ""),
        )
