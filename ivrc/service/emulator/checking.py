"""What the emulator refuses of a dialer or simple dialer request.

By default it refuses what the service refuses: a request that is not what the served schema
describes (`wire.py`), a phone number no country has, a time already past, a recording that was
not uploaded (the document: "an error will be returned"). What the document says the service
ignores or cuts short is accepted and run as it says: `leg_a` beside `from_campaign` "true", a
`count_steps` that differs from the steps given, a `goto` without `have_dependency`. `ivrc lint`
still reports all of these; `--strict` refuses every error it reports."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ivrc.language.config import Config
from ivrc.language.diagnostics import Diagnostic
from ivrc.language.memory import no_cycle_collection
from ivrc.service.emulator.phones import Refused, clean
from ivrc.service.emulator.reading import recordings, storable, true
from ivrc.service.emulator.wire import IGNORED, wire_schema

# The findings that say how a request differs from the schema, in the user's terms.
_SCHEMA_RULES = frozenset(
    {
        "syntax-error",
        "schema-violation",
        "missing-request",
        "multiple-requests",
        "missing-return-address",
        "missing-number",
        "missing-sound",
        "fractional-duration",
        "value-out-of-range",
        "invalid-key",
        "invalid-range",
        "empty-value",
    }
)
_NOT_YET = 422  # valid as the schema describes it, refused for the service's state or the clock


@functools.cache
def _wire(kind: str) -> Any:
    import jsonschema_rs

    from ivrc.build.schema import schema

    return jsonschema_rs.validator_for(wire_schema(kind, schema(kind)), validate_formats=False)


def check(text: str, kind: str, region: str, strict: bool, uploaded: set[str]) -> dict[str, Any]:
    """The request as the service keeps it; Refused with the reason first, each place once."""
    with no_cycle_collection():
        if not strict:
            accepted = _accepted(text, kind, region, uploaded)
            if accepted is not None:
                return accepted
        return _checked(text, kind, region, strict, uploaded)


def _accepted(text: str, kind: str, region: str, uploaded: set[str]) -> dict[str, Any] | None:
    """A request the service takes, found at the speed of the C `json` module and the Rust
    schema validator: the same verdict as `_checked` without the linter's reading of every
    step. None for anything else, which `_checked` refuses and explains (the tests hold the
    two to the same answers, and Schemathesis both to the served schemas)."""
    import json

    from ivrc.build import from_json

    if from_json.too_deep(text) is not None:
        return None
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict) or from_json.request_kind(raw) != kind:
        return None
    data: dict[str, Any] = _normal(raw, None)
    try:
        storable(data)
    except Refused:
        return None
    if not _valid(kind, data) or any(_not_a_number(text, region) for text in _numbers(data, kind)) or _past(data):
        return None
    if any(name not in uploaded for name in recordings(data)):
        return None
    return data


def _valid(kind: str, data: dict[str, Any]) -> bool:
    """By the served schema; a value the validator cannot take (a number beyond a float: inf) is not."""
    try:
        return bool(_wire(kind).is_valid(data))
    except ValueError:
        return False


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are no JSON


def _normal(value: Any, name: str | None) -> Any:
    """JSON as `from_json` reads a request (api-notes 2, 3): booleans of the flags as "true" and
    "false", digits in number fields as numbers, `"dial_at": ""` as absent, whole numbers of
    16 digits or more as floats (beyond every bound), integral floats as integers."""
    from ivrc.build.from_json import BOOLEANS, EMPTY_IS_ABSENT, INTEGERS, NUMBERS, number_of, plain_number

    if isinstance(value, dict):
        return {key: _normal(item, key) for key, item in value.items() if not (key in EMPTY_IS_ABSENT and item == "")}
    if isinstance(value, list):
        return [_normal(item, name) for item in value]
    if isinstance(value, bool):
        return ("true" if value else "false") if name in BOOLEANS else value
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return number_of(Decimal(value))
    if isinstance(value, str) and name in INTEGERS | NUMBERS:
        return plain_number(value, name)
    return value


def _numbers(data: dict[str, Any], kind: str) -> Iterator[str]:
    """Every phone number the request dials or shows, as `model.phones` finds them, but for the
    one the document says is ignored."""
    flag, ignored = IGNORED[kind]
    for name in ("number", "cli", "leg_a", "leg_b", "cid_a", "cid_b"):
        value = data.get(name)
        if name == ignored and true(data.get(flag)):
            continue
        if isinstance(value, str) and (value or name in ("number", "leg_a", "leg_b")):
            yield value
    for step in (data.get("ivr") or {}).get("steps") or []:
        for handler in step.get("actions") or []:
            for action in handler.get("actions") or []:
                if action.get("action") == "call":
                    params = action.get("params") or {}
                    for name in ("number", "cli"):
                        if isinstance(params.get(name), str) and (params[name] or name == "number"):
                            yield params[name]


def _not_a_number(text: str, region: str) -> bool:
    from ivrc.language import phone

    return phone.read(text, region, False).status in ("local", "misfit", "impossible")


def _past(data: dict[str, Any]) -> bool:
    """A time already past: a timestamp `schedule`, or a `dial_at` other than 0 (api-notes 12)."""
    import time

    now = time.time()
    moments = [data.get("dial_at")]
    if data.get("schedule_type") == "timestamp":
        moments.append(data.get("schedule"))
    return any(isinstance(m, int) and not isinstance(m, bool) and m != 0 and m <= now for m in moments)


def _checked(text: str, kind: str, region: str, strict: bool, uploaded: set[str]) -> dict[str, Any]:
    """The verdict with `ivrc lint`'s reading, and its findings as the reasons."""
    from ivrc.build.library import analyze

    result = analyze(text, path="request.json", config=Config(region=region, prefix_lengths=False))
    flow = result.flow
    if flow is not None and flow.requests and flow.requests[0].kind != kind:
        raise Refused(400, f"this is a {flow.requests[0].kind} request; send it to /v2/calls/{flow.requests[0].kind}")
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    data = result.data
    if not isinstance(data, dict):
        _refuse(errors or [_unreadable()])
    assert isinstance(data, dict)
    storable(data)
    if strict:
        _refuse(errors)
    else:
        if not _valid(kind, data):
            _refuse([d for d in errors if d.rule in _SCHEMA_RULES] or [_schema_said(kind, data)])
        _refuse(_phones(text, kind, data, errors))
        _refuse([d for d in errors if d.rule == "schedule-in-past"], _NOT_YET)
    missing = sorted(name for name in recordings(data) if name not in uploaded)
    if missing:
        raise Refused(_NOT_YET, f"recording {missing[0]} was not uploaded; upload it with /v2/calls/upload first")
    return data


def _phones(text: str, kind: str, data: dict[str, Any], errors: list[Diagnostic]) -> list[Diagnostic]:
    """Numbers no country has, but for the one the document says is ignored."""
    from ivrc.build import from_json

    found = [d for d in errors if d.rule == "invalid-phone-number"]
    flag, ignored = IGNORED[kind]
    if not found or not true(data.get(flag)) or ignored not in data:
        return found
    _, plain, _ = from_json.read(text, exact=True)
    assert plain is not None
    span = plain.span((ignored,))
    return [d for d in found if not (span.start <= d.span.start and d.span.end <= span.end)]


def _refuse(errors: list[Diagnostic], status: int = 400) -> None:
    if not errors:
        return
    # The root cause first: how the request differs from the schema, then what follows from it.
    errors = sorted(errors, key=lambda d: d.rule not in _SCHEMA_RULES)
    listed = [{"rule": d.rule, "line": d.line, "column": d.column, "message": clean(d.message, 2000)} for d in errors]
    first = errors[0]
    said = first.message.removesuffix(f" (line {first.line})")  # its own line is said once, below
    where = f" (line {first.line}, column {first.column})" if first.line else ""
    raise Refused(status, said + where, errors=listed)


def _unreadable() -> Diagnostic:
    from ivrc.language.ast import Span
    from ivrc.language.diagnostics import Severity

    return Diagnostic("syntax-error", Severity.ERROR, "the request is not a JSON object", Span(1, 1, 1, 1))


def _schema_said(kind: str, data: dict[str, Any]) -> Diagnostic:
    """The served schema's own words, where ivrc's checks have none for what it refuses."""
    from ivrc.language.ast import Span
    from ivrc.language.diagnostics import Severity

    try:
        error = next(iter(_wire(kind).iter_errors(data)))
    except (ValueError, StopIteration):
        return Diagnostic("schema-violation", Severity.ERROR, "a number of the request is too large", Span(0, 0, 0, 0))
    where = "/".join(str(part) for part in error.instance_path) or "the request"
    return Diagnostic("schema-violation", Severity.ERROR, f"`{where}`: {error.message}", Span(0, 0, 0, 0))
