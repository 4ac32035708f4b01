"""What the emulator refuses of a dialer or simple dialer request.

By default it refuses what the service refuses: a request that is not what the served schema
describes (`wire.py`), a phone number no country has, a time already past, a recording that was
not uploaded (the document: "an error will be returned"). What the document says the service
ignores or cuts short is accepted and run as it says: `leg_a` beside `from_campaign` "true", a
`count_steps` that differs from the steps given, a `goto` without `have_dependency`. `ivrc lint`
still reports all of these; `--strict` refuses every error it reports."""

from __future__ import annotations

import functools
from typing import Any

from ivrc.language.config import Config
from ivrc.language.diagnostics import Diagnostic
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
    from ivrc.build import from_json
    from ivrc.build.library import analyze

    result = analyze(text, path="request.json", config=Config(region=region, prefix_lengths=False))
    flow = result.flow
    if flow is not None and flow.requests and flow.requests[0].kind != kind:
        raise Refused(400, f"this is a {flow.requests[0].kind} request; send it to /v2/calls/{flow.requests[0].kind}")
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    _, plain, _ = from_json.read(text, exact=False)
    if plain is None or not isinstance(plain.data, dict):
        _refuse(errors or [_unreadable()])
    assert plain is not None
    data: dict[str, Any] = plain.data
    storable(data)
    if strict:
        _refuse(errors)
    else:
        if not _wire(kind).is_valid(data):
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

    error = next(iter(_wire(kind).iter_errors(data)))
    where = "/".join(str(part) for part in error.instance_path) or "the request"
    return Diagnostic("schema-violation", Severity.ERROR, f"`{where}`: {error.message}", Span(0, 0, 0, 0))
