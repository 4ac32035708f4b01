"""The emulator's OpenAPI 3.1 document, served at /openapi.json; request bodies are ivrc's schemas
widened to what the service reads (wire.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ivrc import __version__


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _operation(
    summary: str,
    body: dict[str, Any] | None = None,
    csv: bool = False,
    parameters: Sequence[str] = (),
    also: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    ok = (
        {"text/csv": {"schema": {"type": "string"}}}
        if csv
        else {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
    )
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {"description": "done", "content": ok},
            "400": _error("the request is wrong; `error` says how"),
            "401": _error("no credentials, or wrong ones"),
            "404": _error("no such campaign"),
            "405": {
                **_error("the endpoint does not take this method"),
                "headers": {"Allow": {"description": "the methods it takes", "schema": {"type": "string"}}},
            },
            **{status: _error(said) for status, said in also},
        },
    }
    if parameters:
        operation["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in parameters
        ]
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


_CREATE = [
    ("409", "a campaign with this unique_id exists with other settings"),
    ("422", "valid as described, but a time in it is already past or a recording it plays was not uploaded"),
    ("413", "larger than the emulator takes (20 MB)"),
]


def _multipart(field: str, many: bool, types: Sequence[str]) -> dict[str, Any]:
    item = {"type": "string", "format": "binary", "contentMediaType": types[0]}
    schema = {"type": "array", "items": item, "minItems": 1} if many else item
    return {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {field: schema}, "required": [field]},
            "encoding": {field: {"contentType": ", ".join(types)}},
        }
    }


def _components(name: str, document: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema of ivrc's as OpenAPI components that every tool resolves: its `$defs` lifted
    beside it (`Dialer.ivr`, …), each `#/$defs/X` made `#/components/schemas/NAME.X`, and its own
    `$id` and `$schema` left out (a tool would resolve the references against the `$id`)."""
    prefix = f"#/components/schemas/{name}."

    def moved(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: (prefix + item[len("#/$defs/") :] if key == "$ref" and isinstance(item, str) else moved(item))
                for key, item in value.items()
                if key not in ("$id", "$schema", "$defs")
            }
        if isinstance(value, list):
            return [moved(item) for item in value]
        return value

    lifted = {f"{name}.{key}": moved(value) for key, value in document.get("$defs", {}).items()}
    return {name: moved(document), **lifted}


def openapi() -> dict[str, Any]:
    from ivrc.build.schema import schema
    from ivrc.service.emulator.wire import wire_schema

    return {
        "openapi": "3.1.0",
        "info": {"title": "Paycall Dynamic Dialer API v2.1 (ivrc emulator)", "version": __version__},
        "security": [{"basic": []}],
        "paths": {
            "/v2/calls/upload": {
                "post": _operation(
                    "Upload recordings, each in a field named recs[]",
                    _multipart("recs[]", True, ["audio/wav"]),
                    also=[
                        ("413", "larger than the emulator takes (20 MB)"),
                        ("415", "a recording that is not a WAV file"),
                    ],
                )
            },
            "/v2/calls/dialer": {
                "post": _operation(
                    "Create a dialer campaign",
                    {"application/json": {"schema": {"$ref": "#/components/schemas/Dialer"}}},
                    also=_CREATE,
                )
            },
            "/v2/calls/simple_dialer": {
                "post": _operation(
                    "Create a simple dialer campaign",
                    {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleDialer"}}},
                    also=_CREATE,
                )
            },
            "/v2/calls/upload_phones/{unique_id}": {
                "post": _operation(
                    "Upload the phone list in a field named numbers, with its MIME type (api-notes 17)",
                    _multipart("numbers", False, ["text/csv", "text/plain", "application/zip", "application/gzip"]),
                    parameters=["unique_id"],
                    also=[
                        ("413", "larger than the emulator takes, packed or unpacked (a zip or gzip bomb)"),
                        ("409", "the campaign has started: its list can no longer change"),
                        ("415", "not text/csv, text/plain, application/zip or application/gzip, or a tarball"),
                    ],
                )
            },
            "/v2/calls/start_campaign/{unique_id}": {
                "post": _operation(
                    "Start the campaign",
                    parameters=["unique_id"],
                    also=[("409", "its numbers come from a phone list, and none was uploaded")],
                )
            },
            "/v2/calls/cdr_by_campaign/{unique_id}": {
                "get": _operation("Call records of a campaign, as CSV", csv=True, parameters=["unique_id"])
            },
            "/v2/calls/cdr_by_number/{unique_id}/{phone_number}": {
                "get": _operation(
                    "Call records of one number, as CSV", csv=True, parameters=["unique_id", "phone_number"]
                )
            },
        },
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
            "schemas": {
                **_components("Dialer", wire_schema("dialer", schema("dialer"))),
                **_components("SimpleDialer", wire_schema("simple_dialer", schema("simple_dialer"))),
                "Status": {
                    "type": "object",
                    "properties": {"status": {"type": "string"}, "unique_id": {"type": "string"}},
                },
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
            },
        },
    }
