"""Validation of requests against the JSON Schemas in `schemas/`."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ivrc.build.emit import JsonPath
from ivrc.checks import schema_violation
from ivrc.checks.fractional_duration import WHOLE_SECONDS
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic
from ivrc.language.resources import resource

if TYPE_CHECKING:
    from jsonschema import ValidationError

    from ivrc.build.from_json import Plain

KINDS = ("dialer", "simple_dialer")

# Schema findings that a check reports better, in the user's terms: (validator, field).
_CHECKED = {
    ("required", "return_address"),  # missing-return-address
    ("required", "number"),  # missing-number
    ("required", "leg_a"),  # missing-number
    ("required", "sound"),  # missing-sound
    ("maximum", "max_retries"),  # value-out-of-range
    ("maximum", "dtmf_ivr_retries"),  # value-out-of-range
    ("pattern", "key"),  # invalid-key
    ("pattern", "dtmf_ivr"),  # invalid-key
    ("pattern", "min"),  # invalid-range
    ("pattern", "max"),  # invalid-range
}


@functools.cache
def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resource("schemas", f"{kind}.schema.json").read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _validator(kind: str) -> Any:
    # jsonschema is slow to import; only commands that validate pay for it.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(kind))


_GATES: dict[int, tuple[dict[str, Any], Any]] = {}


def _gate(document: dict[str, Any]) -> Any:
    """jsonschema-rs, compiled once per schema: it tells a valid request in microseconds, where
    the jsonschema reference takes milliseconds. Only a request it does not pass is handed to
    jsonschema, whose errors become the findings; the tests hold the two to the same verdict."""
    held = _GATES.get(id(document))
    if held is None or held[0] is not document:
        import jsonschema_rs

        held = (document, jsonschema_rs.validator_for(document, validate_formats=False))
        _GATES[id(document)] = held
    return held[1]


def _errors(kind: str, data: Any) -> list[ValidationError]:
    try:
        if _gate(schema(kind)).is_valid(data):
            return []  # without importing jsonschema at all (60 ms)
    except ValueError:  # a value jsonschema-rs cannot take (a template's slot): the reference decides
        pass
    validator = _validator(kind)
    errors = list(validator.iter_errors(data))
    return sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])


def validate(kind: str, request: dict[str, Any], spans: Callable[[], dict[JsonPath, Span]]) -> list[Diagnostic]:
    """The compiler's gate: violations, each at the source of the nearest part of the request
    (`spans` gives where each part came from, asked only when there is a violation)."""
    errors = _errors(kind, request)
    if not errors:
        return []
    where = spans()
    return [schema_violation.diagnose(error, _nearest(tuple(error.absolute_path), where)) for error in errors]


def _nearest(path: JsonPath, spans: dict[JsonPath, Span]) -> Span:
    for end in range(len(path), -1, -1):
        if path[:end] in spans:
            return spans[path[:end]]
    return Span(1, 1, 1, 1)


def validate_json(kind: str, plain: Plain) -> list[Diagnostic]:
    """Violations in a JSON request, at the offending value, or at the key of an unknown field."""
    found: list[Diagnostic] = []
    for error in _leaves(_errors(kind, plain.data)):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            schema_of: Any = error.schema
            instance: Any = error.instance
            allowed = list(schema_of.get("properties", {}))
            for extra in (k for k in instance if k not in allowed):
                import difflib

                close = difflib.get_close_matches(extra, allowed, n=1)
                where = f"`{'/'.join(map(str, path))}`" if path else "the request"
                message = f"{where} has an unknown field `{extra}`"
                found.append(
                    schema_violation.diagnose(
                        error, plain.key((*path, extra)), message, f"did you mean `{close[0]}`?" if close else None
                    )
                )
            continue
        field = _field(error)
        if (error.validator, field) in _CHECKED or _fractional(error, field):
            continue
        span = plain.span(path)
        if error.validator == "required":
            span = Span(span.line, span.column, span.line, span.column + 1, span.start, span.start + 1)
        found.append(schema_violation.diagnose(error, span))
    return found


def _fractional(error: ValidationError, field: str | None) -> bool:
    """A fraction of a second where whole seconds are due: fractional-duration says it better."""
    return (
        error.validator == "type"
        and field in WHOLE_SECONDS
        and isinstance(error.instance, float)
        and math.isfinite(error.instance)
    )


def _leaves(errors: list[ValidationError]) -> list[ValidationError]:
    """For oneOf/anyOf failures, the branch errors say more than "is not valid under any"."""
    out: list[ValidationError] = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            out.append(deepest if len(deepest.absolute_path) > len(error.absolute_path) else error)
        else:
            out.append(error)
    return out


def _field(error: ValidationError) -> str | None:
    if error.validator == "required":
        return error.message.split("'")[1] if "'" in error.message else None
    path = [p for p in error.absolute_path if isinstance(p, str)]
    return path[-1] if path else None
