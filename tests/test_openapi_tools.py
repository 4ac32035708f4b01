"""The emulator's API description as standard tools read it: openapi-spec-validator finds it
valid with every reference resolved; a method an endpoint does not take gets a 405 with `Allow`;
credentials with more than one space after `Basic` are read (RFC 7235)."""

from __future__ import annotations

import base64

import httpx
import pytest
from openapi_spec_validator import validate
from test_service import PASSWORD, USER, Emulator


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("openapi")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _refs(value: object) -> set[str]:
    if isinstance(value, dict):
        return {value["$ref"]} if isinstance(value.get("$ref"), str) else set().union(*map(_refs, value.values()))
    if isinstance(value, list):
        return set().union(*map(_refs, value)) if value else set()
    return set()


def test_the_served_document_is_valid_and_every_reference_resolves_inside_it(emulator):
    document = httpx.get(emulator.url + "/openapi.json", timeout=10).json()  # open without credentials
    validate(document)  # raises on any error, `'/$defs/ivr' does not exist` among them
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    assert not any("$id" in schema for schema in schemas.values())
    upload = document["paths"]["/v2/calls/upload"]["post"]
    recordings = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["recs[]"]
    assert recordings["minItems"] == 1
    for path, statuses in (
        ("/v2/calls/dialer", {"409", "413"}),
        ("/v2/calls/upload_phones/{unique_id}", {"413", "415"}),
    ):
        assert statuses | {"400", "401", "404", "405"} <= set(document["paths"][path]["post"]["responses"]), path


def test_an_undeclared_method_gets_405_with_allow(emulator):
    answer = httpx.request("TRACE", emulator.url + "/v2/calls/dialer", auth=(USER, PASSWORD), timeout=10)
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
    assert answer.json() == {"error": "Method Not Allowed"}


def test_basic_credentials_after_several_spaces_are_read(emulator):
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for header in (f"Basic {token}", f"Basic  {token}", f"basic   {token}"):
        answer = httpx.get(
            emulator.url + "/v2/calls/cdr_by_campaign/nobody", headers={"Authorization": header}, timeout=10
        )
        assert answer.status_code == 404, header  # through the door: the campaign is unknown
    wrong = httpx.get(
        emulator.url + "/v2/calls/cdr_by_campaign/nobody", headers={"Authorization": "Basic  x"}, timeout=10
    )
    assert wrong.status_code == 401
