"""`ivrc emulator` as the document describes the service, tested by a tool nobody here wrote.

Schemathesis runs every one of its checks against the served /openapi.json; the served schemas
describe what the service reads (JSON booleans, "Integer/String" numbers, `"dial_at": ""`); by
default the emulator accepts what the document says the service ignores or cuts short, and
`--strict` refuses every error of `ivrc lint`; phone lists are read by their MIME type; caller
ids keep their country; a started campaign's list cannot change; messages put the root cause
first and carry no control character."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st
from test_service import PASSWORD, REQUESTS, USER, Emulator

from ivrc.running.records import parse_cdr
from ivrc.service.emulator.wire import integer_pattern

HOOKS = Path(__file__).resolve().parent / "schemathesis"
FLOW = {
    "return_address": "http://127.0.0.1:9/",
    "number": "972521234567",
    "ivr": {
        "count_steps": 1,
        "have_dependency": "true",
        "steps": [
            {
                "step_id": "a",
                "prompt": "hello",
                "dtmf_ivr": "1",
                "actions": [{"key": "1", "actions": [{"action": "hangup"}]}],
            }
        ],
    },
}


@pytest.fixture(scope="module")
def emulators(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faithful")
    default = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    strict = Emulator(folder / "strict", folder / "strict.log", "--no-wait", "--strict")
    yield default, strict
    default.stop()
    strict.stop()


def _post(emulator: Emulator, path: str, **kwargs) -> httpx.Response:
    return httpx.post(emulator.url + path, auth=(USER, PASSWORD), timeout=60, **kwargs)


def _with(**changes) -> dict:
    request = json.loads(json.dumps(FLOW))
    request.update(changes)
    return request


def test_schemathesis_finds_nothing_with_every_check(emulators, tmp_path):
    """Every check Schemathesis has, in all its phases, derandomized and bounded; the long run
    (`--max-examples 2000`) is in the README's Testing section."""
    default, _ = emulators
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "hooks", "PYTHONPATH": str(HOOKS)}
    done = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli",
            "--config-file", str(HOOKS / "schemathesis.toml"),
            "run", default.url + "/openapi.json",
            "--auth", f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}",  # escaped, as the document asks
            "--checks", "all",
            "--max-examples", os.environ.get("IVRC_SCHEMATHESIS_EXAMPLES", "40"),
            "--seed", "1", "--generation-deterministic",
            "--workers", "1",
            "--report", "junit", "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert re.search(r"(\d+) generated, \1 passed", out), out[-3000:]
    assert "Selected: 7/7" in out and "Tested: 7" in out


def test_the_documents_own_requests_are_valid_by_the_served_schemas(emulators):
    default, _ = emulators
    document = httpx.get(default.url + "/openapi.json", timeout=10).json()

    def valid(name: str, request: dict) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        jsonschema.validate(request, schema)

    simple = json.loads((REQUESTS / "api_document_simple_test.json").read_text(encoding="utf-8"))
    assert simple["dial_at"] == ""
    valid("SimpleDialer", simple)
    # "Integer/String" fields as strings and JSON booleans, as clients send them (api-notes 2, 3)
    valid("Dialer", _with(max_retries="3", ring_timeout="15", numbers_from_queue=False, number="972521234567"))
    valid("SimpleDialer", {"from_campaign": True, "tts": True, "sound": "hi", "dial_at": "0"})
    with pytest.raises(jsonschema.ValidationError):
        valid("Dialer", _with(max_retries="10001"))
    with pytest.raises(jsonschema.ValidationError):
        valid("Dialer", _with(return_address="http://exa\x00mple.com/"))
    answer = _post(default, "/v2/calls/simple_dialer", json=simple | {"unique_id": "doc-simple"})
    assert answer.status_code == 200, answer.text
    answer = _post(default, "/v2/calls/dialer", json=_with(unique_id="strings", max_retries="3", ring_timeout="15"))
    assert answer.status_code == 200, answer.text


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 100_000), st.integers(0, 3))
def test_an_integer_pattern_matches_exactly_its_range(low, width, number, zeros):
    high = low + width * 37
    written = "0" * zeros + str(number)
    assert bool(re.fullmatch(integer_pattern(low, high), written)) == (low <= number <= high)
    assert bool(re.fullmatch(integer_pattern(low, None), written)) == (low <= number)


@pytest.mark.parametrize(
    ("what", "kind", "request_body", "rule"),
    [
        (
            "leg_a beside from_campaign: ignored",
            "simple_dialer",
            {"from_campaign": "true", "leg_a": "000", "tts": "true", "sound": "hello"},
            "conflicting-settings",
        ),
        ("count_steps larger than the steps: the IVR stops at the last", "dialer", _with(ivr=FLOW["ivr"] | {"count_steps": 3}), "count-steps-mismatch"),
        (
            "a goto without have_dependency: ignored",
            "dialer",
            _with(
                ivr={
                    "count_steps": 1,
                    "have_dependency": "false",
                    "steps": [{"step_id": "a", "prompt": "hi", "dtmf_ivr": "1", "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": "a"}}]}]}],
                }
            ),
            "goto-ignored",
        ),
    ],
)  # fmt: skip
def test_what_the_document_says_is_ignored_is_accepted_and_strict_refuses_it(
    emulators, tmp_path, what, kind, request_body, rule
):
    default, strict = emulators
    flow = tmp_path / "request.json"
    flow.write_text(json.dumps(request_body), encoding="utf-8")
    linted = subprocess.run(
        [sys.executable, "-m", "ivrc", "lint", str(flow)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert f"error[{rule}]" in linted.stdout, linted.stdout  # ivrc lint still says so
    unique = {"unique_id": f"ignored-{rule}"}
    accepted = _post(default, f"/v2/calls/{kind}", json=request_body | unique)
    assert accepted.status_code == 200, (what, accepted.text)
    refused = _post(strict, f"/v2/calls/{kind}", json=request_body | unique)
    assert refused.status_code == 400, (what, refused.text)
    assert refused.json()["errors"][0]["rule"] == rule
    if rule == "count-steps-mismatch":  # run as the document says: the one step there is
        assert _post(default, "/v2/calls/start_campaign/ignored-count-steps-mismatch").status_code == 200
        (record,) = _records(default, "ignored-count-steps-mismatch", 1)
        assert [step["step_name"] for step in record.steps["steps"]] in ([], ["a"])


def _records(emulator: Emulator, unique_id: str, count: int) -> list:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = httpx.get(emulator.url + f"/v2/calls/cdr_by_campaign/{unique_id}", auth=(USER, PASSWORD), timeout=10)
        rows = parse_cdr(got.text)
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    raise AssertionError(f"no records for {unique_id}")


def test_the_root_cause_comes_first_and_each_position_once(emulators):
    default, strict = emulators
    steps = [FLOW["ivr"]["steps"][0], {"prompt": "no id"}]
    answer = _post(
        default, "/v2/calls/dialer", json=_with(unique_id="no-id", ivr=FLOW["ivr"] | {"count_steps": 2, "steps": steps})
    )
    assert answer.status_code == 400
    said = answer.json()
    assert said["errors"][0]["rule"] == "schema-violation" and "step_id" in said["error"]
    assert not any(e["rule"] == "count-steps-mismatch" for e in said["errors"])
    both = {"from_campaign": "true", "leg_a": "972521234567", "tts": "true", "sound": "hi"}
    answer = _post(strict, "/v2/calls/simple_dialer", json=both)
    assert answer.status_code == 400
    assert len(re.findall(r"\(line \d+", answer.json()["error"])) == 1, answer.json()["error"]


def test_schedule_counts_from_the_requests_arrival(emulators):
    default, _ = emulators
    before = time.time()
    assert _post(default, "/v2/calls/dialer", json=_with(unique_id="from-arrival", schedule=60)).status_code == 200
    time.sleep(1.5)
    started = _post(default, "/v2/calls/start_campaign/from-arrival").json()
    assert before + 60 - 1 <= started["due"] <= before + 60 + 1  # not 60 s after the start


def _campaign(emulator: Emulator, unique_id: str) -> None:
    request = _with(unique_id=unique_id, numbers_from_queue="true")
    del request["number"]
    answer = _post(emulator, "/v2/calls/dialer", json=request)
    assert answer.status_code == 200, answer.text


def _tarball() -> bytes:
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w") as archive:
        data = b"972521234567\n"
        member = tarfile.TarInfo("numbers.csv")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return gzip.compress(inner.getvalue(), mtime=0)


def test_a_phone_list_is_read_by_its_mime_type(emulators):
    default, _ = emulators
    _campaign(default, "mime")
    upload = "/v2/calls/upload_phones/mime"
    cases = [
        (("numbers", b"972521234567\n", "text/csv"), 200, None),  # no extension: the type says
        (("list.csv", b"972521234567\n", "application/zip"), 400, "zip file cannot be read"),
        (("list.zip", gzip.compress(b"972521234567\n"), "application/gzip"), 200, None),
        (("list.gz", _tarball(), "application/gzip"), 415, "tarball"),
        (("list.csv", b"972521234567\n", "image/png"), 415, "image/png"),
        (("list.csv", b"972521234567\n", "application/octet-stream"), 200, None),  # undeclared: the extension
        (("list.csv", b"97252\x00\x001234567\n", "text/csv"), 400, "E.164"),
    ]
    for file, status, said in cases:
        answer = _post(default, upload, files={"numbers": file})
        assert answer.status_code == status, (file[0], file[2], answer.text)
        assert not re.search(r"[\x00-\x1f\x7f]", answer.json().get("error", "")), answer.text
        if said:
            assert said in answer.json()["error"]


def test_caller_ids_keep_their_country_and_a_return_address_must_be_callable(emulators):
    default, _ = emulators
    _campaign(default, "clis")
    listed = "+14155552671,4155551111,w1#113\n972723000000,0720000000\n"
    assert (
        _post(
            default, "/v2/calls/upload_phones/clis", files={"numbers": ("l.csv", listed.encode(), "text/csv")}
        ).status_code
        == 200
    )
    assert _post(default, "/v2/calls/start_campaign/clis").status_code == 200
    clis = {r.phone_number: r.cli for r in _records(default, "clis", 2)}
    assert clis == {"14155552671": "14155551111", "972723000000": "972720000000"}
    for address in ("http://exa\x00mple.com/r", "http://example.com:99999/", "ftp://example.com/"):
        answer = _post(default, "/v2/calls/dialer", json=_with(unique_id="bad-address", return_address=address))
        assert answer.status_code == 400 and "return_address" in answer.json()["error"], address


def test_a_started_campaigns_list_cannot_change_and_a_second_list_says_it_replaced_the_first(emulators):
    default, _ = emulators
    _campaign(default, "lists")
    upload = "/v2/calls/upload_phones/lists"
    one = ("l.csv", b"972521234567\n", "text/csv")
    results: list[dict] = []

    def send() -> None:
        results.append(_post(default, upload, files={"numbers": one}).json())

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r["numbers"] == 1 for r in results), results
    assert sorted(r["replaced"] for r in results) == [0] + [1] * 19  # each said what it replaced
    assert _post(default, "/v2/calls/start_campaign/lists").status_code == 200
    late = _post(default, upload, files={"numbers": ("l.csv", b"972521234567\n972521234568\n", "text/csv")})
    assert late.status_code == 409 and "has started" in late.json()["error"]
    assert len(_records(default, "lists", 1)) == 1


def test_recordings_are_wav_and_a_part_without_a_file_name_is_kept_by_its_content(emulators, tmp_path):
    default, _ = emulators
    not_wav = _post(default, "/v2/calls/upload", files={"recs[]": ("a.wav", b"ID3 not audio", "audio/wav")})
    assert not_wav.status_code == 415 and "not a WAV" in not_wav.json()["error"]
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
    unnamed = _post(default, "/v2/calls/upload", files={"recs[]": (None, wav, "audio/wav")})
    assert unnamed.status_code == 200, unnamed.text
    assert re.fullmatch(r"recording-[0-9a-f]{12}\.wav", unnamed.json()["files"][0])


# ---- the fast verdict and the linter's -----------------------------------------------------

BASES = [
    *(json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "tests" / "golden").glob("*.json"))),
    *(json.loads(p.read_text(encoding="utf-8")) for p in sorted(REQUESTS.glob("*.json"))),
]
CHANGES = [
    ("max_retries", "3"),
    ("max_retries", "99999"),
    ("max_retries", " 3"),
    ("ring_timeout", 1.0),
    ("ring_timeout", 1.5),
    ("ring_timeout", 10**17),
    ("numbers_from_queue", True),
    ("numbers_from_queue", "yes"),
    ("number", "000"),
    ("number", "+14155552671"),
    ("cli", ""),
    ("cli", "12"),
    ("leg_a", "000"),
    ("from_campaign", True),
    ("dial_at", ""),
    ("dial_at", 1000),
    ("dial_at", "4102444800"),
    ("schedule_type", "timestamp"),
    ("schedule", 1000),
    ("schedule", 4102444800),
    ("tts", False),
    ("return_address", "http://exa mple.com/"),
    ("unique_id", "a/b"),
    ("extra", 1),
]


@given(st.sampled_from(BASES), st.lists(st.sampled_from(CHANGES), max_size=4))
def test_the_fast_verdict_is_the_linters(base, changes):
    from ivrc.build.from_json import request_kind
    from ivrc.service.emulator.checking import _accepted, _checked
    from ivrc.service.emulator.phones import Refused
    from ivrc.service.emulator.reading import recordings

    request = json.loads(json.dumps(base))
    for name, value in changes:
        request[name] = value
    text = json.dumps(request)
    kind = request_kind(request) or "dialer"
    fast = _accepted(text, kind, "IL", set())
    try:
        slow = _checked(text, kind, "IL", False, set())
    except Refused:
        slow = None
    if fast is not None:  # what the fast reading takes, the linter's takes, read alike
        assert slow == fast
    if slow is not None and not recordings(slow):
        assert fast == slow  # and nothing the linter's takes is left to the slow path
