"""schema-violation: a request that does not match the API's JSON Schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from jsonschema import ValidationError

NAME = "schema-violation"
SEVERITY = Severity.ERROR


def diagnose(error: ValidationError, span: Span, message: str | None = None, hint: str | None = None) -> Diagnostic:
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
    return Diagnostic(NAME, SEVERITY, message or describe(error), span, hint)


_TYPES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a text",
    "object": "an object",
    "array": "an array",
    "null": "null",
    "boolean": "true or false",
}


def describe(error: ValidationError) -> str:
    """The violation in the request's own terms: JSON values, not Python reprs."""
    import json
    import math

    where = "/".join(str(p) for p in error.absolute_path)
    subject = f"`{where}`" if where else "the request"
    if isinstance(error.instance, float) and not math.isfinite(error.instance):
        found = "a number too large to hold"  # beyond 10^15 it was never read as a number
    else:
        found = json.dumps(error.instance, ensure_ascii=False)
        if len(found) > 40:
            found = found[:37] + "…"
    expected: Any = error.validator_value
    if error.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"{subject} must be {' or '.join(str(_TYPES.get(k, k)) for k in kinds)}, not {found}"
    if error.validator == "enum":
        return f"{subject} must be one of {', '.join(json.dumps(v) for v in expected)}, not {found}"
    if error.validator == "const":
        return f"{subject} must be {json.dumps(expected)}, not {found}"
    if error.validator in ("minimum", "maximum"):
        bound = "at least" if error.validator == "minimum" else "at most"
        return f"{subject} must be {bound} {expected}, not {found}"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        return f"{subject} has no `{missing}`, which is required"
    if error.validator == "pattern":
        return f"{subject} is {found}, which does not have the form the API expects"
    if error.validator in ("minLength", "minItems"):
        return f"{subject} must not be empty"
    if error.validator == "maxProperties":
        return f"{subject} takes no parameters"
    return f"{subject}: {error.message}"
