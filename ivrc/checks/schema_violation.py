"""schema-violation: a request that does not match the API's JSON Schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivrc.ast import Span
from ivrc.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from jsonschema import ValidationError

NAME = "schema-violation"
SEVERITY = Severity.ERROR


def diagnose(error: ValidationError, span: Span) -> Diagnostic:
    """What it does
    Validates each request against `schemas/dialer.schema.json` or
    `schemas/simple_dialer.schema.json`, which describe the API document's field tables:
    field types, allowed values, ranges (such as `max_retries` 0..10000), required
    fields, and no unknown fields.

    Why is this bad?
    The service rejects a request that breaks its own rules, or worse, ignores the
    part it does not understand. ivrc never writes a request that fails its schema.

    Example
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "max_retries": "many", "ivr": {"count_steps": 1, "steps": [{"step_id": "a"}]}}
    ```

    Use instead
    ```
    {"return_address": "https://example.com/r", "number": "972546000000",
     "max_retries": 3, "ivr": {"count_steps": 1, "steps": [{"step_id": "a"}]}}
    ```
    """
    where = "/".join(str(p) for p in error.absolute_path) or "the request"
    return Diagnostic(NAME, SEVERITY, f"{where}: {error.message}", span)
