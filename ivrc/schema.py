"""Validation of requests against the JSON Schemas in `schemas/`."""

from __future__ import annotations

import functools
import json
from typing import Any

from ivrc.ast import Span
from ivrc.checks import schema_violation
from ivrc.diagnostics import Diagnostic
from ivrc.emit import JsonPath
from ivrc.resources import resource

KINDS = ("dialer", "simple_dialer")


@functools.cache
def schema(kind: str) -> dict[str, Any]:
    return json.loads(resource("schemas", f"{kind}.schema.json").read_text(encoding="utf-8"))


@functools.cache
def _validator(kind: str) -> Any:
    # jsonschema is slow to import; only commands that validate pay for it.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(kind))


def validate(kind: str, request: dict[str, Any], spans: dict[JsonPath, Span]) -> list[Diagnostic]:
    """Schema violations, each at the source of the nearest part of the request that has one."""
    errors = sorted(_validator(kind).iter_errors(request), key=lambda e: list(map(str, e.absolute_path)))
    return [schema_violation.diagnose(error, _nearest(tuple(error.absolute_path), spans)) for error in errors]


def _nearest(path: JsonPath, spans: dict[JsonPath, Span]) -> Span:
    for end in range(len(path), -1, -1):
        if path[:end] in spans:
            return spans[path[:end]]
    return Span(1, 1, 1, 1)
