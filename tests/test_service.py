"""The API client, `ivrc deploy` and `ivrc cdr` against the emulator, over real HTTP on loopback,
with faults injected between them. Everything the tests see is kept and searched for the password."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import wave
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import EXAMPLES, ROOT, SINGLE_REQUEST_EXAMPLES
from faultproxy import FaultProxy

from ivrc.running.records import COLUMNS, parse_cdr
from ivrc.service.api import Credentials, DialerClient, Retry, ServiceError
from ivrc.service.emulator.calls import callback_allowed

USER = "campaigns@example"
PASSWORD = "pa:ss/w0rd%41 x"  # needs URI escaping, and looks like an escape itself
CAPTURED: list[str] = []  # every output the tests saw; the last test searches it for the password
REQUESTS = Path(__file__).resolve().parent / "requests"
SCRIPT = {
    "972521111111": {"answer": False, "hangup_cause": "USER_BUSY"},
    "972522222222": {"answer": True, "keys": ["35", "1"]},
    "972523333333": {"answer": True, "keys": ["70", "1"]},
    "*": {"answer": True, "keys": ["1", "1"]},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """`ivrc emulator` in a process of its own."""

    def __init__(
        self, data: Path, log: Path, *extra: str, port: int | None = None, callees: dict | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data, self.log = data, log
        script = data.parent / f"{data.name}-callees.json"
        script.write_text(json.dumps(SCRIPT if callees is None else callees), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "ivrc",
            "emulator",
            "--port",
            str(self.port),
            "--user",
            USER,
            "--password",
            PASSWORD,
            "--data",
            str(data),
            "--callee-script",
            str(script),
            *extra,
        ]
        self.process = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the emulator did not start: {log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self, url: str | None = None, **options) -> DialerClient:
        return DialerClient(Credentials(USER, PASSWORD), url or self.url, retry=Retry(backoff=0.05), **options)

    def post(self, path: str, **kwargs) -> httpx.Response:
        response = httpx.post(
            self.url + path, auth=(quote(USER, safe=""), quote(PASSWORD, safe="")), timeout=30, **kwargs
        )
        CAPTURED.append(response.text)
        return response


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emulator")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()
    CAPTURED.append(running.log.read_text(encoding="utf-8", errors="replace"))


def ivrc_cli(*args: str, url: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI against a service; output decoded as is, CRLF kept."""
    env = {**os.environ, "IVRC_BASE_URL": url, "IVRC_USERNAME": USER, "IVRC_PASSWORD": PASSWORD, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "ivrc", *args], capture_output=True, env=env, cwd=cwd or ROOT, timeout=120
    )
    result = subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )
    CAPTURED.extend([result.stdout, result.stderr])
    return result


def write_wav(path: Path) -> None:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x00\x00" * 800)


def records(emulator: Emulator, unique_id: str, count: int) -> list[dict]:
    """The campaign's records once its calls are done (the emulator places them in the background)."""
    deadline = time.monotonic() + 20
    while True:
        result = ivrc_cli("cdr", unique_id, "--format", "json", url=emulator.url)
        assert result.returncode == 0, result.stderr
        found = json.loads(result.stdout)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# ---- deploying every example -------------------------------------------------------------

PHONES = "+972522222222\n972523333333,031234567,w1#\n+972521111111\n"


@pytest.mark.parametrize("example", SINGLE_REQUEST_EXAMPLES, ids=lambda p: p.stem)
def test_every_example_deploys_starts_and_has_call_records(emulator, example, tmp_path):
    flow = tmp_path / example.name
    shutil.copy(example, flow)
    args = ["deploy", str(flow), "--yes", "--start"]
    text = flow.read_text(encoding="utf-8")
    numbers = 1
    if "numbers from queue" in text:
        (tmp_path / "phones.csv").write_text(PHONES, encoding="utf-8")
        args += ["--phones", str(tmp_path / "phones.csv")]
        numbers = 3
    if "file " in text:
        (tmp_path / "recordings").mkdir()
        for name in ("clinic_greeting.wav", "clinic_invalid_key.wav", "clinic_cancelled.wav"):
            write_wav(tmp_path / "recordings" / name)
        args += ["--recordings", str(tmp_path / "recordings")]
        write_wav(tmp_path / "recordings" / "unused.wav")
    result = ivrc_cli(*args, url=emulator.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Deployed: campaign" in result.stdout
    unique_id = result.stdout.split("Deployed: campaign ")[1].split(" ")[0]
    found = records(emulator, unique_id, numbers)
    assert len(found) == numbers
    assert {r["unique_campaign_id"] for r in found} == {unique_id}
    assert all(set(r) == set(COLUMNS) for r in found)


def test_age_gate_records_follow_the_callees(emulator, tmp_path, unique_id="age-gate-records"):
    flow = tmp_path / "age_gate.ivr"
    flow.write_text(
        (EXAMPLES / "age_gate.ivr").read_text(encoding="utf-8").replace('"age-gate-2026-11"', f'"{unique_id}"'),
        encoding="utf-8",
    )
    (tmp_path / "phones.csv").write_text(PHONES, encoding="utf-8")
    assert (
        ivrc_cli(
            "deploy", str(flow), "--phones", str(tmp_path / "phones.csv"), "--yes", "--start", url=emulator.url
        ).returncode
        == 0
    )
    by_number = {r["phone_number"]: r for r in records(emulator, unique_id, 3)}
    busy = by_number["972521111111"]
    assert (busy["answer_time"], busy["billsec"], busy["hangup_cause"]) == (None, 0, "USER_BUSY")
    adult = by_number["972522222222"]
    assert adult["hangup_cause"] == "NORMAL_CLEARING" and adult["answer_time"] is not None
    # api-notes 19: the step where a mark ran carries it.
    assert adult["steps"]["steps"] == [
        {"dtmf": "35", "step_name": "ask_age"},
        {"dtmf": "1", "step_name": "offer", "mark": "custom", "value": "offer-heard"},
    ]
    assert by_number["972523333333"]["cli"] == "97231234567"


def test_cdr_formats(emulator, tmp_path):
    test_age_gate_records_follow_the_callees(emulator, tmp_path, "age-gate-cdr")
    raw = ivrc_cli("cdr", "age-gate-cdr", "--format", "csv", url=emulator.url).stdout
    lines = raw.split("\r\n")
    assert lines[0] == ",".join(COLUMNS)
    assert all(line.startswith('"') and line.endswith('"') for line in lines[1:-1])
    assert lines[-1] == ""
    assert len(parse_cdr(raw)) == 3
    table = ivrc_cli("cdr", "age-gate-cdr", url=emulator.url).stdout.splitlines()
    assert table[0].split() == ["number", "answered", "duration", "billed", "hangup", "cause", "marks", "keys"]
    assert any("custom:offer-heard" in line and "972522222222" in line for line in table)
    assert any("busy" in line and "972521111111" in line for line in table)
    assert any("ask_age:35 offer:1" in line for line in table)
    summary = ivrc_cli("cdr", "age-gate-cdr", "--summary", url=emulator.url).stdout
    assert "calls: 3, answered: 2 (67%)" in summary
    assert "USER_BUSY (busy): 1" in summary
    assert "ask_age: 35: 1, 70: 1" in summary
    assert "marks:\n  custom:offer-heard: 1\n" in summary
    one = json.loads(
        ivrc_cli("cdr", "age-gate-cdr", "--number", "972522222222", "--format", "json", url=emulator.url).stdout
    )
    assert [r["phone_number"] for r in one] == ["972522222222"]


def test_a_scheduled_campaign_waits_without_no_wait(tmp_path):
    emulator = Emulator(tmp_path / "data", tmp_path / "log")
    try:
        flow = tmp_path / "later.ivr"
        flow.write_text(
            'region IL\ndialer "later" { return_address "https://example.com/r"; number "054-600-0000"; schedule in 1h }\nstep a { say "Hi" }\n',
            encoding="utf-8",
        )
        assert ivrc_cli("deploy", str(flow), "--yes", "--start", url=emulator.url).returncode == 0
        time.sleep(1)
        assert json.loads(ivrc_cli("cdr", "later", "--format", "json", url=emulator.url).stdout) == []
    finally:
        emulator.stop()
        CAPTURED.append(emulator.log.read_text(encoding="utf-8", errors="replace"))


# ---- the emulator as the service: validation, auth, state --------------------------------


def test_credentials_are_required_and_checked(emulator):
    assert httpx.post(emulator.url + "/v2/calls/dialer", json={}).status_code == 401
    wrong = httpx.post(emulator.url + "/v2/calls/dialer", json={}, auth=(USER, "nope"))
    assert wrong.status_code == 401 and "error" in wrong.json()
    assert wrong.headers["www-authenticate"].startswith("Basic")
    with pytest.raises(ServiceError) as raised:
        DialerClient(Credentials(USER, "wrong"), emulator.url, retry=Retry(backoff=0.01)).start_campaign("x")
    assert raised.value.status == 401
    assert "HTTP 401" in str(raised.value) and "authentication failed" in str(raised.value)


def bomb(name: str) -> bytes:
    zeros = b"0" * (60 * 1024 * 1024)
    if name.endswith(".gz"):
        return gzip.compress(zeros, compresslevel=9)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("numbers.csv", zeros)
    return buffer.getvalue()


def test_bad_requests_get_a_4xx_with_a_json_error_never_a_500(emulator):
    good = {
        "unique_id": "bad-requests",
        "return_address": "http://127.0.0.1:9/",
        "numbers_from_queue": "true",
        "ivr": {"count_steps": 1, "steps": [{"step_id": "a", "prompt": "Hi"}]},
    }
    assert emulator.post("/v2/calls/dialer", json=good).status_code == 200
    cases = [
        ("malformed JSON", "/v2/calls/dialer", {"content": b'{"return_address": '}, 400, "expected a JSON value"),
        (
            "no return_address",
            "/v2/calls/dialer",
            {"json": {k: v for k, v in good.items() if k != "return_address"} | {"unique_id": "x2"}},
            400,
            "return_address",
        ),
        (
            "a simple dialer sent to dialer",
            "/v2/calls/dialer",
            {"json": {"leg_a": "+972546000000", "tts": "true", "sound": "x"}},
            400,
            "send it to /v2/calls/simple_dialer",
        ),
        ("same id, other settings", "/v2/calls/dialer", {"json": good | {"max_retries": 7}}, 409, "already exists"),
        (
            "a schedule in the past",
            "/v2/calls/dialer",
            {"json": good | {"unique_id": "past", "schedule_type": "timestamp", "schedule": 1000}},
            422,
            "not in the future",
        ),
        (
            "a recording never uploaded",
            "/v2/calls/simple_dialer",
            {"json": {"leg_a": "+972546000000", "tts": "false", "sound": "ghost.wav", "from_campaign": "false"}},
            422,
            "ghost.wav was not uploaded",
        ),
        (
            "unknown campaign: phones",
            "/v2/calls/upload_phones/nope",
            {"files": {"numbers": ("n.csv", b"+972546000000\n", "text/csv")}},
            404,
            "no campaign nope",
        ),
        ("unknown campaign: start", "/v2/calls/start_campaign/nope", {}, 404, "no campaign nope"),
        (
            "a tarball",
            "/v2/calls/upload_phones/bad-requests",
            {"files": {"numbers": ("n.tar.gz", gzip.compress(b"x"), "application/gzip")}},
            415,
            "tarballs",
        ),
        (
            "a zip bomb",
            "/v2/calls/upload_phones/bad-requests",
            {"files": {"numbers": ("n.zip", bomb("n.zip"), "application/zip")}},
            413,
            "unpacks to more than",
        ),
        (
            "a gzip bomb",
            "/v2/calls/upload_phones/bad-requests",
            {"files": {"numbers": ("n.gz", bomb("n.gz"), "application/gzip")}},
            413,
            "unpacks to more than",
        ),
        (
            "not E.164",
            "/v2/calls/upload_phones/bad-requests",
            {"files": {"numbers": ("n.csv", b"+972546000000\n054-600-0000\n", "text/csv")}},
            400,
            "line 2",
        ),
        ("no file field", "/v2/calls/upload", {"files": {"other": ("a.wav", b"RIFF", "audio/wav")}}, 400, "recs[]"),
        (
            "an oversize upload",
            "/v2/calls/upload",
            {"files": {"recs[]": ("big.wav", b"0" * (21 * 1024 * 1024), "audio/wav")}},
            413,
            "larger than",
        ),
        ("not multipart", "/v2/calls/upload", {"content": b"hello"}, 400, "multipart"),
        ("start without numbers", "/v2/calls/start_campaign/bad-requests", {}, 409, "none was uploaded"),
        ("no such endpoint", "/v2/calls/nothing", {}, 404, "no such endpoint"),
    ]
    for name, path, kwargs, status, words in cases:
        response = emulator.post(path, **kwargs)
        assert response.status_code == status, (name, response.status_code, response.text)
        assert words in response.json()["error"], (name, response.json())
    assert emulator.process.poll() is None, "the server is still running"


def test_what_clients_in_the_wild_send_is_accepted(emulator):
    wild = {
        "unique_id": "wild", "return_address": "http://127.0.0.1:9/", "numbers_from_queue": True, "max_retries": "4",
        "ivr": {"count_steps": "1", "have_dependency": False, "steps": [{"step_id": "a", "prompt": "Hi", "dtmf_ivr": "1", "dtmf_ivr_timeout": "5",
                "actions": [{"key": "1", "actions": [{"action": "wait", "params": {"sleep": "1.5"}}]}]}]},
    }  # fmt: skip
    assert emulator.post("/v2/calls/dialer", json=wild).json() == {"status": "created", "unique_id": "wild"}
    simple = {
        "unique_id": "wild-simple",
        "from_campaign": False,
        "leg_a": "+972546000000",
        "tts": True,
        "sound": "Hi",
        "dial_at": 0,
    }
    assert emulator.post("/v2/calls/simple_dialer", json=simple).status_code == 200
    no_id = emulator.post(
        "/v2/calls/simple_dialer",
        json={"from_campaign": "false", "leg_a": "972546000000", "tts": "true", "sound": "Hi", "dial_at": ""},
    )
    assert no_id.status_code == 200 and len(no_id.json()["unique_id"]) == 36, "a request without unique_id gets one"


@pytest.fixture
def fresh_emulator(tmp_path):
    """An emulator of its own, for a test that needs the document's fixed campaign ids."""
    running = Emulator(tmp_path / "fresh-data", tmp_path / "fresh.log", "--no-wait")
    yield running
    running.stop()
    CAPTURED.append(running.log.read_text(encoding="utf-8", errors="replace"))


def test_the_api_documents_curl_commands_as_written(fresh_emulator, tmp_path):
    emulator = fresh_emulator
    base = f"http://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{emulator.port}"
    for name in ("cembalo-6.wav", "hello_welcome.wav"):
        write_wav(tmp_path / name)
    shutil.copy(REQUESTS / "api_document_test.json", tmp_path / "test.json")
    shutil.copy(REQUESTS / "api_document_simple_test.json", tmp_path / "simple_test.json")
    campaign = json.loads((REQUESTS / "api_document_test.json").read_text(encoding="utf-8"))
    del campaign["number"]  # this campaign calls the uploaded list
    campaign |= {"unique_id": "2743976e-6030-455a-821f-8d671463d3ba", "numbers_from_queue": "true"}
    (tmp_path / "campaign.json").write_text(json.dumps(campaign, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "upload_numbers1.csv").write_text(
        "+972540000000\n972723000000,0720000000\n+14155552671,4155551111,w1#113\n972212345678,,1#2\n", encoding="utf-8"
    )

    def curl(*args: str) -> tuple[int, str]:
        done = subprocess.run(
            ["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, cwd=tmp_path, timeout=60
        )
        out = done.stdout.decode("utf-8")
        CAPTURED.extend([out, done.stderr.decode("utf-8", "replace")])
        body, _, code = out.rpartition("\n")
        return int(code), body

    assert (
        curl("-X", "POST", "-F", "recs[]=@cembalo-6.wav", "-F", "recs[]=@hello_welcome.wav", f"{base}/v2/calls/upload")[
            0
        ]
        == 200
    )
    status, body = curl("-X", "POST", "-d", "@test.json", f"{base}/v2/calls/dialer")
    assert status == 200, body
    assert curl("-X", "POST", "-d", "@simple_test.json", f"{base}/v2/calls/simple_dialer")[0] == 200
    assert curl("-X", "POST", "-d", "@campaign.json", f"{base}/v2/calls/dialer")[0] == 200
    # The document's upload_phones command leaves out the campaign id that its own path requires.
    status, body = curl("-X", "POST", "-F", "numbers=@upload_numbers1.csv", f"{base}/v2/calls/upload_phones")
    assert status == 400 and "/v2/calls/upload_phones/{unique_id}" in json.loads(body)["error"]
    assert (
        curl(
            "-X",
            "POST",
            "-F",
            "numbers=@upload_numbers1.csv",
            f"{base}/v2/calls/upload_phones/2743976e-6030-455a-821f-8d671463d3ba",
        )[0]
        == 200
    )
    assert curl("-X", "POST", f"{base}/v2/calls/start_campaign/2743976e-6030-455a-821f-8d671463d3ba")[0] == 200
    time.sleep(1)
    status, body = curl(f"{base}/v2/calls/cdr_by_campaign/2743976e-6030-455a-821f-8d671463d3ba")
    assert status == 200 and body.startswith(",".join(COLUMNS) + "\r\n")
    status, body = curl(f"{base}/v2/calls/cdr_by_number/2743976e-6030-455a-821f-8d671463d3ba/972540000000")
    assert status == 200 and [r.phone_number for r in parse_cdr(body)] == ["972540000000"]


def test_state_survives_a_restart(tmp_path):
    first = Emulator(tmp_path / "data", tmp_path / "log")
    try:
        client = first.client()
        client.upload_recordings([_wav(tmp_path, "hello.wav")])
        client.simple_dialer({"unique_id": "kept", "from_campaign": "true", "tts": "false", "sound": "hello.wav"})
        numbers = tmp_path / "numbers.csv"
        numbers.write_text("+972546000000\n", encoding="utf-8")
        client.upload_phones("kept", numbers)
    finally:
        first.stop()
    second = Emulator(tmp_path / "data", tmp_path / "log")
    try:
        client = second.client()
        assert client.start_campaign("kept")["status"] == "started"
        deadline = time.monotonic() + 10
        while not client.cdr_by_campaign("kept")[1] and time.monotonic() < deadline:
            time.sleep(0.2)
        [record] = client.cdr_by_campaign("kept")[1]
        assert record.phone_number == "972546000000"
    finally:
        second.stop()
        CAPTURED.append((tmp_path / "log").read_text(encoding="utf-8", errors="replace"))


def _wav(folder: Path, name: str) -> Path:
    path = folder / name
    write_wav(path)
    return path


def test_openapi_document(emulator):
    document = httpx.get(emulator.url + "/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/v2/calls/upload", "/v2/calls/dialer", "/v2/calls/simple_dialer", "/v2/calls/upload_phones/{unique_id}",
        "/v2/calls/start_campaign/{unique_id}", "/v2/calls/cdr_by_campaign/{unique_id}", "/v2/calls/cdr_by_number/{unique_id}/{phone_number}",
    }  # fmt: skip


def test_reports_go_to_a_loopback_return_address(emulator, tmp_path):
    received: list[dict] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        flow = tmp_path / "reported.ivr"
        flow.write_text(
            f'region IL\ndialer "reported" {{ return_address "http://127.0.0.1:{server.server_address[1]}/report"; number "052-222-2222" }}\nstep ask {{ say "Age?"; on 35 -> goto thanks }}\nstep thanks {{ say "Thanks"; on 1 {{ mark custom "ok"; hangup }} }}\n',
            encoding="utf-8",
        )
        assert ivrc_cli("deploy", str(flow), "--yes", "--start", url=emulator.url).returncode == 0
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert received == [
            {
                "steps": [
                    {"dtmf": "35", "step_name": "ask"},
                    {"dtmf": "1", "step_name": "thanks", "mark": "custom", "value": "ok"},
                ],
                "invalid": [],
                "unique_id": "reported",
            }
        ]
    finally:
        server.shutdown()
    assert callback_allowed("http://[::1]:80/x", set()) and callback_allowed("http://localhost/x", set())
    assert not callback_allowed("http://192.0.2.10/x", set())
    assert callback_allowed("http://hooks.example.com/x", {"hooks.example.com"})


# ---- faults between client and service ---------------------------------------------------


def test_gets_are_retried_on_503_and_slow_answers(emulator):
    with FaultProxy(emulator.port, slow_seconds=2) as proxy:
        client = emulator.client(f"http://127.0.0.1:{proxy.port}", read_timeout=0.5)
        client.dialer(
            {
                "unique_id": "faults-get",
                "return_address": "http://127.0.0.1:9/",
                "number": "+972546000000",
                "ivr": {"count_steps": 1, "steps": [{"step_id": "a"}]},
            }
        )
        proxy.plan.extend(["503", "503", "slow"])
        text, found = client.cdr_by_campaign("faults-get")
        assert text.startswith("cli,")
        assert [line.split(" -> ")[1] for line in proxy.seen[-4:]] == ["503", "503", "slow", "pass"]


def test_a_post_that_reached_the_service_is_repeated_only_with_a_unique_id(emulator):
    with FaultProxy(emulator.port) as proxy:
        client = emulator.client(f"http://127.0.0.1:{proxy.port}")
        proxy.plan.append("drop-after")
        answer = client.simple_dialer(
            {
                "unique_id": "dropped-once",
                "from_campaign": "false",
                "leg_a": "+972546000000",
                "tts": "true",
                "sound": "Hi",
            }
        )
        assert answer == {"status": "exists", "unique_id": "dropped-once"}, (
            "the repeat found the campaign the first try made"
        )
        before = _campaigns(emulator)
        proxy.plan.append("drop-after")
        with pytest.raises(ServiceError) as raised:
            client.simple_dialer({"from_campaign": "false", "leg_a": "+972546000000", "tts": "true", "sound": "No id"})
        assert "connection" in str(raised.value)
        assert _campaigns(emulator) == before + 1, "without a unique_id the request is not sent twice"


def _campaigns(emulator: Emulator) -> int:
    import sqlite3

    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0])


def test_a_deploy_cut_short_reports_what_was_done_and_a_rerun_finishes_it(emulator, tmp_path):
    flow = tmp_path / "resumed.ivr"
    flow.write_text(
        'region IL\ndialer { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say "Hi"; on 1 -> hangup }\n',
        encoding="utf-8",
    )
    (tmp_path / "phones.csv").write_text("+972546000000\n+972546000001\n", encoding="utf-8")
    before = _campaigns(emulator)
    with FaultProxy(emulator.port) as proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        proxy.plan.extend(["pass"] + ["drop"] * 4)  # the campaign is created; the phone list never arrives
        cut = ivrc_cli("deploy", str(flow), "--phones", str(tmp_path / "phones.csv"), "--yes", "--start", url=url)
        assert cut.returncode == 1
        assert "the deploy stopped part way. Done: create the dialer campaign" in cut.stderr
        assert "run the same command again to finish it" in cut.stderr
        assert "Traceback" not in cut.stderr
        unique_id = cut.stdout.split("this deploy uses ")[1].split(",")[0]
        rerun = ivrc_cli("deploy", str(flow), "--phones", str(tmp_path / "phones.csv"), "--yes", "--start", url=url)
        assert rerun.returncode == 0, rerun.stderr
        assert f"the service confirms that campaign {unique_id} exists" in rerun.stdout
        assert f"create the dialer campaign {unique_id} (already done)" in rerun.stdout
        assert "done: upload 2 phone numbers" in rerun.stdout
        assert unique_id in rerun.stdout
    assert _campaigns(emulator) == before + 1, "one campaign, however many runs"
    assert len(records(emulator, unique_id, 2)) == 2


def test_a_service_that_is_not_there(tmp_path):
    flow = tmp_path / "a.ivr"
    flow.write_text((EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8"), encoding="utf-8")
    result = ivrc_cli("deploy", str(flow), "--yes", url=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "cannot connect to 127.0.0.1" in result.stderr
    assert "Done: nothing." in result.stderr


def test_deploy_checks_everything_before_sending(emulator, tmp_path):
    flow = tmp_path / "checked.ivr"
    flow.write_text(
        'region IL\ndialer "checked" { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say file "hello.wav"; on 1 -> hangup }\n',
        encoding="utf-8",
    )
    bad_list = tmp_path / "phones.csv"
    bad_list.write_text("+972546000000\n054-600\n", encoding="utf-8")
    (tmp_path / "rec").mkdir()
    write_wav(tmp_path / "rec" / "hello.wav")
    before = _campaigns(emulator)
    result = ivrc_cli(
        "deploy", str(flow), "--phones", str(bad_list), "--recordings", str(tmp_path / "rec"), "--yes", url=emulator.url
    )
    assert result.returncode == 1
    assert f"{bad_list}:2:1: `054-600` is not a phone number" in result.stderr
    (tmp_path / "rec" / "hello.wav").write_bytes(b"not a wav")
    bad_list.write_text("+972546000000\n", encoding="utf-8")
    result = ivrc_cli(
        "deploy", str(flow), "--phones", str(bad_list), "--recordings", str(tmp_path / "rec"), "--yes", url=emulator.url
    )
    assert result.returncode == 1 and "not a readable WAV file" in result.stderr
    broken = tmp_path / "broken.ivr"
    broken.write_text('region IL\ndialer { numbers from queue }\nstep a { say "x" }\n', encoding="utf-8")
    result = ivrc_cli("deploy", str(broken), "--phones", str(bad_list), "--yes", url=emulator.url)
    assert (
        result.returncode == 1
        and "error[missing-return-address]" in result.stderr
        and "nothing was sent" in result.stderr
    )
    assert _campaigns(emulator) == before


def test_dry_run_and_confirmation(emulator, tmp_path):
    flow = tmp_path / "asked.ivr"
    flow.write_text(
        'region IL\ndialer "asked" { return_address "http://127.0.0.1:9/"; number "054-600-0000" }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    before = _campaigns(emulator)
    dry = ivrc_cli("deploy", str(flow), "--dry-run", url=emulator.url)
    assert dry.returncode == 0
    assert dry.stdout.splitlines()[1:] == ["  1. create the dialer campaign asked", "Dry run: nothing was sent."]
    unattended = ivrc_cli("deploy", str(flow), url=emulator.url)
    assert unattended.returncode == 2 and "add --yes" in unattended.stderr
    assert _campaigns(emulator) == before


def test_large_phone_lists_are_sent_gzip_compressed(emulator, tmp_path):
    flow = tmp_path / "big.ivr"
    flow.write_text(
        'region IL\ndialer "big-list" { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    numbers = tmp_path / "phones.csv"
    numbers.write_text("".join(f"+97254{n:07d},,w1\n" for n in range(80_000)), encoding="utf-8")
    assert numbers.stat().st_size > 1024 * 1024
    result = ivrc_cli("deploy", str(flow), "--phones", str(numbers), "--yes", url=emulator.url)
    assert result.returncode == 0, result.stderr
    assert "upload 80000 phone numbers from phones.csv (gzip-compressed)" in result.stdout


def test_missing_credentials_and_a_bad_base_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")} | {"HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "ivrc", "cdr", "x"], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "no credentials" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "ivrc", "cdr", "x", "--base-url", "ftp://x"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2 and "is not an http(s) address" in result.stderr


def test_netrc_credentials(emulator, tmp_path):
    (tmp_path / ".netrc").write_text(
        f"machine 127.0.0.1 login {USER} password {PASSWORD.replace(' ', '')}\n", encoding="utf-8"
    )
    os.chmod(tmp_path / ".netrc", 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")} | {"HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "ivrc", "cdr", "no-such", "--base-url", emulator.url],
        capture_output=True,
        text=True,
        env=env,
    )
    CAPTURED.extend([result.stdout, result.stderr])
    # The netrc password lacks the space, so the emulator refuses it: proof that netrc was read and sent.
    assert result.returncode == 2 and "HTTP 401" in result.stderr


def test_the_password_never_appears_in_anything_captured(emulator, tmp_path_factory):
    journals = [
        p.read_text(encoding="utf-8") for p in Path(tmp_path_factory.getbasetemp()).rglob(".ivrc/deploys/*.json")
    ]
    CAPTURED.append(emulator.log.read_text(encoding="utf-8", errors="replace"))
    everything = "\n".join(CAPTURED + journals)
    assert len(CAPTURED) > 20
    for form in (PASSWORD, quote(PASSWORD, safe=""), PASSWORD.replace(" ", "")):
        assert form not in everything


def test_the_emulator_says_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "ivrc", "emulator", "--port", str(port), "--user", "u", "--password", "p"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr == f"ivrc: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


# ---- what a new user met in their first hour ----------------------------------------------


def test_phone_lists_are_read_with_the_flows_region_and_sent_as_e164(emulator, tmp_path):
    flow = tmp_path / "local.ivr"
    flow.write_text(
        'region IL\ndialer "local-list" { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    phones = tmp_path / "phones.csv"
    phones.write_text("phone,cli\r\n054-600-0001,03-123-4567\r\n+972546000002\r\n", encoding="utf-8")
    result = ivrc_cli("deploy", str(flow), "--phones", str(phones), "--yes", "--start", url=emulator.url)
    assert result.returncode == 0, result.stderr
    assert "upload 2 phone numbers from phones.csv (header row skipped)" in result.stdout
    numbers = sorted(r["phone_number"] for r in records(emulator, "local-list", 2))
    assert numbers == ["972546000001", "972546000002"]


def test_every_bad_line_of_a_phone_list_is_reported_with_a_cap(tmp_path):
    flow = tmp_path / "list.ivr"
    flow.write_text(
        'region IL\ndialer "bad-list" { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    phones = tmp_path / "phones.csv"
    phones.write_text("number\n" + "".join(f"12{n}\n" for n in range(25)) + "+972546000000,,12x\n", encoding="utf-8")
    result = ivrc_cli("deploy", str(flow), "--phones", str(phones), "--dry-run", url=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"ivrc: error: {phones}:2:1: `120` is not a phone number (it is too short)"
    assert sum(1 for line in lines if f"{phones}:" in line) == 20
    assert "… and 6 more bad lines" in lines
    assert lines[-1] == "ivrc: nothing was sent"


def test_a_dry_run_shows_the_unique_id_the_deploy_then_uses(emulator, tmp_path):
    flow = tmp_path / "anonymous.ivr"
    flow.write_text(
        'region IL\ndialer { return_address "http://127.0.0.1:9/"; number "054-600-0000" }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    dry = ivrc_cli("deploy", str(flow), "--dry-run", url=emulator.url)
    real = ivrc_cli("deploy", str(flow), "--yes", url=emulator.url)
    assert dry.returncode == 0 and real.returncode == 0, real.stderr
    shown = dry.stdout.split("this deploy uses ")[1].split(",")[0]
    assert f"create the dialer campaign {shown}" in real.stdout
    assert f"Deployed: campaign {shown}." in real.stdout


def test_a_rerun_confirms_with_the_service_and_says_each_step_once(emulator, tmp_path):
    flow = tmp_path / "finished.ivr"
    flow.write_text(
        'region IL\ndialer { return_address "http://127.0.0.1:9/"; number "054-600-0000" }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    first = ivrc_cli("deploy", str(flow), "--yes", "--start", url=emulator.url)
    assert first.returncode == 0, first.stderr
    again = ivrc_cli("deploy", str(flow), "--yes", "--start", url=emulator.url)
    assert again.returncode == 0, again.stderr
    assert "the service confirms that campaign" in again.stdout
    assert again.stdout.count("create the dialer campaign") == 1
    assert "(a new unique_id)" not in again.stdout
    assert again.stdout.rstrip().endswith("Nothing to send: every step is done.")
    env_wrong = {"IVRC_PASSWORD": "wrong"}
    wrong = subprocess.run(
        [sys.executable, "-m", "ivrc", "deploy", str(flow), "--yes", "--start"],
        capture_output=True,
        text=True,
        env={**os.environ, "IVRC_BASE_URL": emulator.url, "IVRC_USERNAME": USER, **env_wrong},
    )
    CAPTURED.extend([wrong.stdout, wrong.stderr])
    assert wrong.returncode == 1
    assert "HTTP 401" in wrong.stderr
    assert "check the credentials" in wrong.stderr and "run the same command again" not in wrong.stderr


def test_a_journal_the_service_does_not_know_is_sent_again(tmp_path):
    flow = tmp_path / "reset.ivr"
    flow.write_text(
        'region IL\ndialer "reset-me" { return_address "http://127.0.0.1:9/"; number "054-600-0000" }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    first = Emulator(tmp_path / "first", tmp_path / "first.log", "--no-wait")
    try:
        assert ivrc_cli("deploy", str(flow), "--yes", url=first.url).returncode == 0
    finally:
        first.stop()
    # The same address, but a service that was reset: it has no memory of the campaign.
    second = Emulator(tmp_path / "second", tmp_path / "second.log", "--no-wait", port=first.port)
    try:
        rerun = ivrc_cli("deploy", str(flow), "--yes", url=second.url)
        assert rerun.returncode == 0, rerun.stderr
        assert "the service does not know it" in rerun.stdout
        assert "done: create the dialer campaign reset-me" in rerun.stdout
        assert _campaigns(second) == 1
    finally:
        second.stop()


def test_retrying_says_so_as_it_starts(tmp_path):
    flow = tmp_path / "down.ivr"
    flow.write_text(
        'region IL\ndialer "down" { return_address "http://127.0.0.1:9/"; number "054-600-0000" }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    result = ivrc_cli("cdr", "down", url=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("ivrc: GET /v2/calls/cdr_by_campaign/down: cannot connect to 127.0.0.1")
    assert first.endswith("; trying again (3 more times over 3.5 s)")
    deployed = ivrc_cli("deploy", str(flow), "--yes", url=f"http://127.0.0.1:{free_port()}")
    assert deployed.returncode == 1
    assert "check the service's address (--base-url or IVRC_BASE_URL)" in deployed.stderr


def test_cdr_reads_a_local_number_with_the_region(emulator, tmp_path):
    flow = tmp_path / "one.ivr"
    flow.write_text(
        'region IL\ndialer "cdr-local" { return_address "http://127.0.0.1:9/"; number "054-600-0002" }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    assert ivrc_cli("deploy", str(flow), "--yes", "--start", url=emulator.url).returncode == 0
    records(emulator, "cdr-local", 1)
    local = ivrc_cli("cdr", "cdr-local", "--number", "054-600-0002", "--region", "IL", url=emulator.url)
    assert local.returncode == 0, local.stderr
    assert "972546000002" in local.stdout and "(no calls yet)" not in local.stdout
    (tmp_path / "ivrc.toml").write_text('region = "IL"\n', encoding="utf-8")
    configured = ivrc_cli("cdr", "cdr-local", "--number", "054-600-0002", url=emulator.url, cwd=tmp_path)
    assert configured.returncode == 0 and "972546000002" in configured.stdout
    regionless = ivrc_cli("cdr", "cdr-local", "--number", "054-600-0002", url=emulator.url)
    assert regionless.returncode == 2
    assert "a local number needs a region" in regionless.stderr


def test_cdr_summary_of_a_campaign_without_calls(emulator):
    created = emulator.post(
        "/v2/calls/dialer",
        json={
            "unique_id": "no-calls-yet",
            "return_address": "http://127.0.0.1:9/",
            "number": "972546000000",
            "ivr": {"count_steps": 1, "steps": [{"step_id": "a", "prompt": "Hi"}]},
        },
    )
    assert created.status_code == 200, created.text
    summary = ivrc_cli("cdr", "no-calls-yet", "--summary", url=emulator.url)
    assert summary.returncode == 0
    assert summary.stdout == "calls: 0 (no calls yet)\n"


def test_a_phone_list_that_is_not_utf8_is_placed_like_a_flow(tmp_path):
    flow = tmp_path / "list.ivr"
    flow.write_text(
        'region IL\ndialer "enc" { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say "Hi" }\n',
        encoding="utf-8",
    )
    phones = tmp_path / "phones.csv"
    phones.write_bytes(b"+972546000000\n+9725\xb6\n")
    result = ivrc_cli("deploy", str(flow), "--phones", str(phones), "--dry-run", url=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"ivrc: error: {phones}:2:6: not UTF-8 text (byte 0xb6)"


# ---- personal campaigns ---------------------------------------------------------------------

TEMPLATE = """\
region IL
dialer "kill-nine" { return_address "http://127.0.0.1:9/"; number recipient.phone }
step a {
    say "Hello $name$" with name = recipient.name
    on 1 -> mark custom "confirmed"
}
"""


def _people(path: Path, count: int) -> None:
    path.write_text(
        "id,name,phone\n" + "".join(f"{n},Patient Number{n},+97252{n:07d}\n" for n in range(count)), encoding="utf-8"
    )


def _journal_counts(journal: Path) -> tuple[int, int]:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1) as db:
            created, started = db.execute(
                "SELECT COALESCE(SUM(created), 0), COALESCE(SUM(started), 0) FROM recipients"
            ).fetchone()
            return int(created), int(started)
    except sqlite3.Error:
        return 0, 0


def _campaigns_like(emulator: Emulator, prefix: str) -> int:
    import sqlite3

    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        return int(
            db.execute("SELECT COUNT(*) FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "%",)).fetchone()[0]
        )


def test_a_batch_killed_at_any_moment_is_finished_by_the_same_command(emulator, tmp_path):
    import signal

    flow = tmp_path / "nine.ivr"
    flow.write_text(TEMPLATE, encoding="utf-8")
    people = tmp_path / "people.csv"
    _people(people, 400)
    journal = tmp_path / ".ivrc" / "deploys" / "nine.ivr.batch.sqlite3"
    command = [
        sys.executable,
        "-m",
        "ivrc",
        "deploy",
        str(flow),
        "--recipients",
        str(people),
        "--yes",
        "--start",
        "--concurrency",
        "4",
    ]
    env = {
        **os.environ,
        "IVRC_BASE_URL": emulator.url,
        "IVRC_USERNAME": USER,
        "IVRC_PASSWORD": PASSWORD,
        "NO_COLOR": "1",
    }
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _journal_counts(journal)[0] < 40 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]
    created_before, _ = _journal_counts(journal)
    assert 40 <= created_before < 400, "killed part way"
    rerun = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--yes", "--start", "--concurrency", "4", url=emulator.url
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    summary = rerun.stdout.splitlines()[-1]
    assert summary.startswith("Deployed: 400 recipients: ")
    assert _journal_counts(journal) == (400, 400)
    assert _campaigns_like(emulator, "kill-nine-") == 400, "exactly one campaign per recipient"
    # The journal keeps no personal data: no name, no number, in any of its files.
    stored = b"".join(p.read_bytes() for p in journal.parent.iterdir())
    assert b"Patient" not in stored
    assert not [n for n in range(400) if f"97252{n:07d}".encode() in stored or f"+97252{n:07d}".encode() in stored]
    again = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url)
    assert again.stdout.splitlines()[-1] == "Nothing to send: 400 recipients have what this deploy would send them."


def test_a_changed_row_is_reported_and_not_sent_again(emulator, tmp_path):
    flow = tmp_path / "changed.ivr"
    flow.write_text(TEMPLATE.replace("kill-nine", "changed-row"), encoding="utf-8")
    people = tmp_path / "people.csv"
    _people(people, 3)
    assert ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url).returncode == 0
    people.write_text(
        people.read_text(encoding="utf-8").replace("Patient Number1,", "Patient Renamed,"), encoding="utf-8"
    )
    rerun = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url)
    assert rerun.returncode == 0
    assert "  the flow changed since: 1 recipient keeps the version it was sent;" in rerun.stdout
    assert (
        rerun.stdout.splitlines()[-1]
        == "Nothing to send: 2 recipients have what this deploy would send them; 1 recipient keeps the version it was sent."
    )


def test_a_recipient_added_or_moved_anywhere_in_the_file_is_known_by_who_they_are(emulator, tmp_path):
    flow = tmp_path / "moved.ivr"
    flow.write_text(TEMPLATE.replace("kill-nine", "moved-rows"), encoding="utf-8")
    people = tmp_path / "people.csv"
    _people(people, 3)
    header, *rows = people.read_text(encoding="utf-8").splitlines(keepends=True)
    people.write_text(header + rows[0] + rows[2], encoding="utf-8")
    first = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url)
    assert (
        first.stdout.splitlines()[-1]
        == "Deployed: 2 recipients: 2 created, 0 started, 0 skipped as already done, 0 failed."
    )
    people.write_text(header + rows[0] + rows[1] + rows[2], encoding="utf-8")  # one more, in the middle
    added = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url)
    assert (
        added.stdout.splitlines()[-1]
        == "Deployed: 3 recipients: 1 created, 0 started, 2 skipped as already done, 0 failed."
    )
    assert _campaigns_like(emulator, "moved-rows-") == 3
    people.write_text(header + rows[2] + rows[1] + rows[0], encoding="utf-8")  # every row moved
    moved = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url)
    assert (
        moved.stdout.splitlines()[-1]
        == "Deployed: 3 recipients: 0 created, 3 started, 0 skipped as already done, 0 failed."
    )
    # Nothing in the journal leads back to a person: not a number, and not a unique_id (a hash
    # of the number that anyone with the flow could compute for every number there is).
    import sqlite3

    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        ids = [
            row[0].rpartition("/")[2]
            for row in db.execute("SELECT unique_id FROM campaigns WHERE unique_id LIKE '%/moved-rows-%'")
        ]
    stored = b"".join(p.read_bytes() for p in (tmp_path / ".ivrc" / "deploys").iterdir())
    assert len(ids) == 3 and not [i for i in ids if i.encode() in stored or i.rsplit("-", 1)[1].encode() in stored]
    assert (Path(os.environ["XDG_STATE_HOME"]) / "ivrc" / "journal.key").is_file()
    assert not list(tmp_path.rglob("*.key")), "the key is never beside the flow"


def test_a_journal_key_that_cannot_be_kept_stops_the_deploy_before_sending(emulator, tmp_path):
    flow = tmp_path / "keyless.ivr"
    flow.write_text(TEMPLATE.replace("kill-nine", "keyless"), encoding="utf-8")
    people = tmp_path / "people.csv"
    _people(people, 2)
    blocked = tmp_path / "state"
    blocked.write_text("a file where the state folder should be", encoding="utf-8")
    env = {
        **os.environ,
        "IVRC_BASE_URL": emulator.url,
        "IVRC_USERNAME": USER,
        "IVRC_PASSWORD": PASSWORD,
        "XDG_STATE_HOME": str(blocked),
    }
    done = subprocess.run(
        [sys.executable, "-m", "ivrc", "deploy", str(flow), "--recipients", str(people), "--yes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("ivrc: error: the deploy journal's key cannot be kept: ")
    assert (
        done.stderr.rstrip().endswith("set XDG_STATE_HOME to a folder that can be written")
        and "Traceback" not in done.stderr
    )
    assert _campaigns_like(emulator, "keyless-") == 0


def test_a_batch_with_bad_rows_sends_nothing(emulator, tmp_path):
    flow = tmp_path / "bad.ivr"
    flow.write_text(TEMPLATE.replace("kill-nine", "bad-rows"), encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("name,phone\nDana,054-600-0001\nAvi,054-6\n", encoding="utf-8")
    result = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url)
    assert result.returncode == 1
    assert (
        f"{people.name}:3:5: error[invalid-phone-number]" in result.stderr
        or "people.csv:3:5: error[invalid-phone-number]" in result.stderr
    )
    assert "ivrc: nothing was sent" in result.stderr
    assert _campaigns_like(emulator, "bad-rows-") == 0


def test_the_personal_example_deploys_and_each_recipient_has_a_result(emulator, tmp_path):
    for name in ("personal_reminder.ivr", "personal_reminder.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    flow, people = tmp_path / "personal_reminder.ivr", tmp_path / "personal_reminder.csv"
    dry = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--dry-run", url=emulator.url)
    assert dry.returncode == 0 and "5 recipients, each called at 2036-12-01 07:00 UTC (UTC+00:00)" in dry.stdout
    assert (
        "The first recipient (row 1): unique_id clinic-personal-2036-12-" in dry.stdout
        and 'name = "Dana Levi"' in dry.stdout
    ), "the plan shows what differs per recipient"
    deployed = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url)
    assert deployed.returncode == 0, deployed.stderr
    assert (
        deployed.stdout.splitlines()[-1]
        == "Deployed: 5 recipients: 5 created, 5 started, 0 skipped as already done, 0 failed."
    )
    deadline = time.monotonic() + 90  # the emulator's worker may still be calling earlier tests' campaigns
    while True:
        results = ivrc_cli(
            "cdr", "--recipients", str(people), "--flow", str(flow), "--format", "json", url=emulator.url
        )
        assert results.returncode == 0, results.stderr
        rows = json.loads(results.stdout)
        if all(r["calls"] for r in rows) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(r["calls"] == 1 and r["answered"] == "yes" for r in rows), rows
    assert {r["marks"] for r in rows} <= {"custom:confirmed", "custom:cancelled", ""}
    table = ivrc_cli("cdr", "--recipients", str(people), "--flow", str(flow), url=emulator.url)
    assert table.stdout.splitlines()[0].split() == [
        "row",
        "unique_id",
        "calls",
        "answered",
        "hangup_cause",
        "billsec",
        "marks",
        "keys",
        "mark:custom:confirmed",
        "mark:custom:cancelled",
    ]


def test_the_emulator_takes_a_batch_at_concurrency_16(emulator, tmp_path):
    flow = tmp_path / "sixteen.ivr"
    flow.write_text(TEMPLATE.replace("kill-nine", "sixteen"), encoding="utf-8")
    people = tmp_path / "people.csv"
    _people(people, 300)
    result = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--yes", "--start", "--concurrency", "16", url=emulator.url
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[-1]
        == "Deployed: 300 recipients: 300 created, 300 started, 0 skipped as already done, 0 failed."
    )
    import sqlite3

    deadline = time.monotonic() + 30
    while True:
        with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
            waiting = db.execute(
                "SELECT COUNT(*) FROM campaigns WHERE unique_id LIKE '%/sixteen-%' AND done = 0"
            ).fetchone()[0]
            recorded = db.execute("SELECT COUNT(*) FROM cdr WHERE unique_id LIKE '%/sixteen-%'").fetchone()[0]
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (waiting, recorded) == (0, 300)


def test_the_plan_shows_what_changed_since_the_last_deploy(emulator, tmp_path):
    flow = tmp_path / "white_rabbit.ivr"
    text = (
        (EXAMPLES / "white_rabbit.ivr")
        .read_text(encoding="utf-8")
        .replace("f096c975-caca-4cd4-9819-1cef62237479", "plan-diff-1")
    )
    flow.write_text(text, encoding="utf-8")
    first = ivrc_cli("deploy", str(flow), "--yes", url=emulator.url)
    assert first.returncode == 0, first.stderr
    assert "Since the last deploy" not in first.stdout, "a first deploy has nothing to compare with"
    again = ivrc_cli("deploy", str(flow), "--dry-run", url=emulator.url)
    assert "Since the last deploy to this service: no change for a caller." in again.stdout
    flow.write_text(
        text.replace("plan-diff-1", "plan-diff-2").replace("on 2 -> hangup", "on 2 -> goto foo"), encoding="utf-8"
    )
    changed = ivrc_cli("deploy", str(flow), "--dry-run", url=emulator.url)
    assert changed.returncode == 0, changed.stderr
    lines = changed.stdout.splitlines()
    start = lines.index("Since the last deploy to this service, 2 changes for a caller:")
    assert lines[start + 1 : start + 3] == [
        '  request: dialer "plan-diff-1" → dialer "plan-diff-2"',
        "  step bar: on 2: hangup → goto foo",
    ]


def test_a_batch_plan_shows_what_changed_since_the_last_deploy(emulator, tmp_path):
    for name in ("personal_reminder.ivr", "personal_reminder.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    flow, people = tmp_path / "personal_reminder.ivr", tmp_path / "personal_reminder.csv"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace('"clinic-personal-2036-12"', '"plan-diff-batch"'), encoding="utf-8"
    )
    assert ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url).returncode == 0
    flow.write_text(flow.read_text(encoding="utf-8").replace("retries 2", "retries 3"), encoding="utf-8")
    dry = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--dry-run", url=emulator.url)
    assert dry.returncode == 0, dry.stderr
    assert (
        "Since the last deploy to this service, 1 change for a caller:\n  step reminder: retries: 2 → 3\n" in dry.stdout
    )


def test_the_bundled_call_records_are_what_the_emulator_places(tmp_path):
    """examples/satisfaction_survey.cdr.csv was made by deploying the survey to the emulator with
    tests/data's callee script and phone list; doing it again gives the same calls (the times
    follow the clock)."""
    data = ROOT / "tests" / "data"
    emulator = Emulator(
        tmp_path / "data",
        tmp_path / "log",
        "--no-wait",
        callees=json.loads((data / "survey-callees.json").read_text(encoding="utf-8")),
    )
    try:
        flow = tmp_path / "satisfaction_survey.ivr"
        shutil.copy(EXAMPLES / "satisfaction_survey.ivr", flow)
        deployed = ivrc_cli(
            "deploy", str(flow), "--phones", str(data / "survey-phones.csv"), "--yes", "--start", url=emulator.url
        )
        assert deployed.returncode == 0, deployed.stderr
        records(emulator, "survey-q4", 60)
        placed = parse_cdr(ivrc_cli("cdr", "survey-q4", "--format", "csv", url=emulator.url).stdout)
    finally:
        emulator.stop()
    bundled = parse_cdr((EXAMPLES / "satisfaction_survey.cdr.csv").read_text(encoding="utf-8"))

    def calls(found: list) -> list[tuple]:
        return [
            (r.cli, r.phone_number, r.answered, r.duration, r.billsec, r.hangup_cause, r.unique_campaign_id, r.steps)
            for r in found
        ]

    assert calls(placed) == calls(bundled)
