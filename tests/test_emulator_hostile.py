"""Hostile HTTP against `ivrc emulator`, over loopback: every request that once got a 500, a
hang or a silently wrong answer gets a clear 4xx (or a right answer), and nothing it sends
stops the emulator from calling later campaigns. A property test posts generated malformed
requests and asserts that no answer is a 5xx."""

from __future__ import annotations

import gzip
import json
import socket
import time

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_service import PASSWORD, USER, Emulator

VALID = {
    "return_address": "http://127.0.0.1:9/",
    "number": "972521234567",
    "ivr": {
        "count_steps": 1,
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
NINES = "9" * 4301


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    with httpx.Client(
        base_url=running.url,
        auth=(
            USER.replace("@", "%40"),
            PASSWORD.replace("%", "%25").replace(":", "%3A").replace("/", "%2F").replace(" ", "%20"),
        ),
        timeout=30,
    ) as client:
        running.http = client  # type: ignore[attr-defined]
        yield running
    running.stop()


def _post(service, path: str, body: bytes | str, **kwargs) -> httpx.Response:
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return service.http.post(path, content=content, headers={"content-type": "application/json"}, **kwargs)


def _with(**changes) -> str:
    request = json.loads(json.dumps(VALID))
    request.update(changes)
    return json.dumps(request)


def _raw(field: str, literal: str) -> str:
    """The valid request with one field written as a raw JSON literal (`1e400`, 401 digits)."""
    return json.dumps({**VALID, field: "@@"}).replace('"@@"', literal)


def test_an_authorization_header_that_is_not_ascii_gets_401(service):
    for path in ("/v2/calls/dialer", "/v2/calls/cdr_by_campaign/x"):
        method = service.http.post if "dialer" in path else service.http.get
        answer = method(path, headers={"authorization": b"Basic \xc3\xa9"}, auth=None)  # type: ignore[arg-type]
        assert answer.status_code == 401, answer.text


@pytest.mark.parametrize(
    "body",
    [
        _raw("max_retries", NINES),
        _with(max_retries=NINES),
        _with().replace('"key": "1"', '"key": {"min": "\\u00b2", "max": "9"}'),
        _with().replace('"key": "1"', '"key": "\\u00b2"'),
        _with(gender="\ud800"),
        _with(unique_id="\ud800"),
        "[" * 990 + "]" * 990,
        "[" * 500 + "]" * 500,
        _raw("schedule", "1e400"),
        _raw("schedule", "1" * 401),
        _raw("ring_timeout", "1e400"),
        _with(unique_id="a/b"),
        _with(unique_id=".." + "/x"),
        _with(return_address="http://[::1"),
        _with(return_address="http://localhost:abc/"),
        _with(schedule_type="timestamp", schedule=10**15),
    ],
)
def test_malformed_requests_get_a_4xx_with_a_json_error(service, body):
    answer = _post(service, "/v2/calls/dialer", body)
    assert 400 <= answer.status_code < 500, answer.text
    assert "error" in answer.json()
    assert "maximum recursion" not in answer.text


def test_a_number_whose_digits_read_back_as_another_is_refused(service):
    # +97200530000000 reads back as +9720530000000: which number would be dialled?
    answer = _post(service, "/v2/calls/dialer", _with(unique_id="zeros", number="+97200530000000"))
    assert answer.status_code == 400, answer.text
    assert "zeros after its country code (+972)" in answer.json()["error"]


def test_a_key_sequence_of_thousands_of_digits_is_read_as_one_entry(service):
    # A sequence of keys is an entry of dtmf_ivr (api-notes 7), however long: no 500.
    answer = _post(
        service, "/v2/calls/dialer", _with(unique_id="long-entry").replace('"dtmf_ivr": "1"', f'"dtmf_ivr": "{NINES}"')
    )
    assert answer.status_code == 200, answer.text


def test_deep_nesting_says_so(service):
    answer = _post(service, "/v2/calls/dialer", "[" * 990 + "]" * 990)
    assert answer.status_code == 400 and "nests deeper than 64 levels" in answer.json()["error"]


def test_a_campaign_the_worker_cannot_call_never_stops_the_others(service):
    good = _post(service, "/v2/calls/dialer", _with(unique_id="after-the-bad-one"))
    assert good.status_code == 200, good.text
    assert service.http.post("/v2/calls/start_campaign/after-the-bad-one").status_code == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        records = service.http.get("/v2/calls/cdr_by_campaign/after-the-bad-one")
        if records.status_code == 200 and records.text.count("\n") >= 2:
            break
        time.sleep(0.2)
    assert records.text.count("\n") >= 2, "the campaign was called"


def _campaign(service, name: str) -> None:
    """A campaign that calls an uploaded phone list."""
    request = {key: value for key, value in VALID.items() if key != "number"}
    created = _post(
        service, "/v2/calls/dialer", json.dumps({**request, "unique_id": name, "numbers_from_queue": "true"})
    )
    assert created.status_code == 200, created.text


def _upload(service, name: str, data: bytes, filename: str) -> httpx.Response:
    return service.http.post(
        f"/v2/calls/upload_phones/{name}", files={"numbers": (filename, data, "application/octet-stream")}
    )


@pytest.mark.parametrize(
    "data,status,words",
    [
        (b"972521111111\r972521111112\r", 400, "line 1 ends with a lone CR"),
        (b"972521111111\n972521111112\r972521111113\r\n", 400, "line 2 ends with a lone CR"),
        (b'"' + b"x" * 140_000 + b'"\n', 400, "cannot be read"),
    ],
)
def test_phone_lists_the_csv_reader_cannot_take_get_a_400_with_the_line(service, data, status, words):
    _campaign(service, f"csv-{len(data)}-{data[-3:].hex()}")
    answer = _upload(service, f"csv-{len(data)}-{data[-3:].hex()}", data, "list.csv")
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]


def test_every_gzip_member_is_read_and_a_cut_stream_is_refused(service):
    _campaign(service, "gzip-members")
    two = gzip.compress(b"972521111111\n972521111112\n") + gzip.compress(b"972521111113\n972521111114\n")
    answer = _upload(service, "gzip-members", two, "list.gz")
    assert answer.status_code == 200 and answer.json()["numbers"] == 4, answer.text
    whole = gzip.compress("".join(f"9725211{n:05d}\n" for n in range(60)).encode())
    cut = _upload(service, "gzip-members", whole[: len(whole) * 2 // 3], "list.gz")
    assert cut.status_code == 400 and "cut short" in cut.json()["error"]


def test_a_trailing_slash_gets_a_json_404(service):
    answer = _post(service, "/v2/calls/dialer/", _with())
    assert answer.status_code == 404 and answer.json() == {"error": "no such endpoint"}


def test_a_slow_request_does_not_stall_other_clients(service):
    big = json.loads(json.dumps(VALID))
    big["ivr"]["steps"][0]["prompt"] = ["word"] * 200_000
    body = json.dumps(big)
    started = time.monotonic()
    answer = _post(service, "/v2/calls/dialer", body)
    assert answer.status_code in (200, 400), answer.text
    assert time.monotonic() - started < 60  # a hang guard, far above the real time


requests_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ivr",
                    "steps",
                    "actions",
                    "key",
                    "min",
                    "max",
                    "params",
                    "number",
                    "schedule",
                    "prompt",
                    "dtmf_ivr",
                    "step_id",
                    "unique_id",
                    "return_address",
                    "count_steps",
                    "max_retries",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(requests_json)
def test_no_generated_request_gets_a_5xx(service, body):
    answer = _post(service, "/v2/calls/dialer", json.dumps(body))
    assert answer.status_code < 500, answer.text


def test_headers_sent_a_byte_at_a_time_are_cut_off(tmp_path):
    slow = Emulator(tmp_path / "data", tmp_path / "emulator.log", "--header-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", slow.port), timeout=15) as trickle:
            trickle.sendall(b"POST /v2/calls/dialer HTTP/1.1\r\n")
            closed_after = None
            for second in range(12):  # a byte a second, as the barrage sent them
                try:
                    trickle.sendall(b"X")
                    trickle.settimeout(1)
                    if trickle.recv(1) == b"":
                        closed_after = second
                        break
                except TimeoutError:
                    continue
                except OSError:
                    closed_after = second
                    break
        assert closed_after is not None, "the connection was held open"
    finally:
        slow.stop()


def test_a_connection_that_sends_nothing_does_not_block_the_service(service):
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as idle:
        idle.sendall(b"POST /v2/calls/dialer HTTP/1.1\r\nHost: x\r\n")
        answer = service.http.get("/openapi.json")
        assert answer.status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
)
def test_a_request_that_is_not_http_gets_a_json_400(service, raw):
    """A TLS hello, a header without its colon, a request line of no method: answered by the
    HTTP layer before the application sees them, and still as JSON."""
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["error"].startswith("the request cannot be read as HTTP/1.1")
