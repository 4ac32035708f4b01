"""value-out-of-range: a retry count outside what the API accepts."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc import ast
from ivrc.diagnostics import Diagnostic, Severity
from ivrc.model import MAX_RETRIES, Model, settings

NAME = "value-out-of-range"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `max_retries` and a step's `retries` above 10000.

    Why is this bad?
    The API document bounds `max_retries` to 0..10000, and a step's retries stand in for
    it; the service refuses a larger value.

    Example
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        max_retries 20000
    }
    ```

    Use instead
    ```
    dialer {
        return_address "https://example.com/report"
        numbers from queue
        max_retries 10
    }
    ```
    """
    for setting in settings(model):
        value = setting.value
        if isinstance(value, ast.Integer) and value.value > MAX_RETRIES:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"`{setting.keyword.text}` is {value.value}; the API allows 0 to {MAX_RETRIES}",
                value.span,
                f"use at most {MAX_RETRIES}",
            )
