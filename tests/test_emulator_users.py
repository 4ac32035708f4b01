"""Several users on one emulator (`--users FILE`): each sees only their own campaigns and
recordings; another user's campaign is as unknown as one that does not exist (404, never its
data). State written before campaigns had users becomes the first user's."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import httpx
import pytest
from test_service import PASSWORD, USER, Emulator, write_wav

ALICE = ("alice", "a:lice-secret")  # a password may hold `:`
BOB = ("bob", "bob-secret")
REQUEST = {
    "unique_id": "same-id",
    "return_address": "http://127.0.0.1:9/",
    "numbers_from_queue": "true",
    "ivr": {"count_steps": 1, "steps": [{"step_id": "a", "prompt": "hello"}]},
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("users")
    users = folder / "users.txt"
    users.write_text(f"# who may call\n{ALICE[0]}:{ALICE[1]}\n\n{BOB[0]}:{BOB[1]}\n", encoding="utf-8")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait", "--users", str(users))
    yield running
    running.stop()


def _as(who: tuple[str, str], emulator: Emulator, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, emulator.url + path, auth=who, timeout=30, **kwargs)


def test_one_user_cannot_read_start_or_upload_to_anothers_campaign(emulator, tmp_path):
    assert _as(ALICE, emulator, "POST", "/v2/calls/dialer", json=REQUEST).json()["status"] == "created"
    phones = {"numbers": ("n.csv", b"972521234567\n", "text/csv")}
    assert _as(ALICE, emulator, "POST", "/v2/calls/upload_phones/same-id", files=phones).status_code == 200
    for method, path, extra in (
        ("GET", "/v2/calls/cdr_by_campaign/same-id", {}),
        ("GET", "/v2/calls/cdr_by_number/same-id/972521234567", {}),
        ("POST", "/v2/calls/start_campaign/same-id", {}),
        ("POST", "/v2/calls/upload_phones/same-id", {"files": phones}),
    ):
        answer = _as(BOB, emulator, method, path, **extra)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json() == {"error": "no campaign same-id"}
    # The same id is Bob's own campaign, apart from Alice's.
    assert _as(BOB, emulator, "POST", "/v2/calls/dialer", json=REQUEST | {"max_retries": 2}).json()["status"] == (
        "created"
    )
    assert _as(ALICE, emulator, "POST", "/v2/calls/start_campaign/same-id").status_code == 200
    assert _as(BOB, emulator, "POST", "/v2/calls/start_campaign/same-id").status_code == 409  # no list of his
    wrong = _as((ALICE[0], BOB[1]), emulator, "GET", "/v2/calls/cdr_by_campaign/same-id")
    assert wrong.status_code == 401


def test_recordings_are_each_users_own(emulator, tmp_path):
    write_wav(tmp_path / "mine.wav")
    upload = {"recs[]": ("mine.wav", (tmp_path / "mine.wav").read_bytes(), "audio/wav")}
    assert _as(ALICE, emulator, "POST", "/v2/calls/upload", files=upload).status_code == 200
    simple = {"leg_a": "+972546000000", "tts": "false", "sound": "mine.wav", "from_campaign": "false"}
    assert _as(ALICE, emulator, "POST", "/v2/calls/simple_dialer", json=simple | {"unique_id": "hers"}).is_success
    theirs = _as(BOB, emulator, "POST", "/v2/calls/simple_dialer", json=simple | {"unique_id": "his"})
    assert theirs.status_code == 422 and "mine.wav was not uploaded" in theirs.json()["error"]
    assert _as((USER, PASSWORD), emulator, "GET", "/v2/calls/cdr_by_campaign/hers").status_code == 404


def test_state_from_before_users_becomes_the_first_users(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    old = sqlite3.connect(data / "emulator.sqlite3")
    old.executescript(
        "CREATE TABLE campaigns (unique_id TEXT PRIMARY KEY, kind TEXT NOT NULL, request TEXT NOT NULL,"
        " created REAL NOT NULL, started REAL, due REAL, done INTEGER NOT NULL DEFAULT 0);"
    )
    old.execute(
        "INSERT INTO campaigns (unique_id, kind, request, created) VALUES (?, ?, ?, ?)",
        ("legacy", "dialer", json.dumps(REQUEST | {"unique_id": "legacy"}), 1.0),
    )
    old.commit()
    old.close()
    for _ in range(2):  # taken over once; a second start changes nothing
        running = Emulator(data, tmp_path / "emulator.log", "--no-wait")
        try:
            answer = _as((USER, PASSWORD), running, "GET", "/v2/calls/cdr_by_campaign/legacy")
            assert answer.status_code == 200, answer.text
        finally:
            running.stop()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("alice\n", "users.txt:1:1: a user is written `name:password`"),
        ("alice:x\nalice:y\n", "users.txt:2:1: user `alice` is listed twice"),
        ("# nobody\n", "no users in it"),
    ],
)
def test_a_bad_users_file_is_one_clear_line(tmp_path, text, said):
    users = tmp_path / "users.txt"
    users.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ivrc", "emulator", "--users", str(users), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
