"""voicemail-risk: a ring timeout long enough for a mobile phone to hand the call to voicemail."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "voicemail-risk"
SEVERITY = Severity.WARNING
VOICEMAIL_AFTER = 30  # seconds: "GSM based Cell phones move to an Answering machine after 30 seconds"


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a `ring_timeout` of 30 seconds or more.

    Why is this bad?
    The service's own document warns that mobile phones move to an answering machine after 30
    seconds without an answer. The message is then played to a voicemail box: the keys are
    never pressed, the call counts as answered (and billed), and a marketing message left on a
    machine is a message the callee never agreed to hear.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        ring_timeout 45s
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        ring_timeout 25s
    }
    ```
    """
    if model.request is None:
        return
    for setting in model.request.settings("ring_timeout"):
        value = setting.value
        if isinstance(value, ast.Duration):
            seconds = value.seconds.normalize()
        elif isinstance(value, ast.Integer):
            seconds = Decimal(value.value)
        else:
            continue
        if seconds >= VOICEMAIL_AFTER:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`ring_timeout` is {seconds:f} s; mobile phones move to voicemail after {VOICEMAIL_AFTER} s",
                value.span,
                f"ring for less than {VOICEMAIL_AFTER} s, such as `ring_timeout 25s`",
            )
