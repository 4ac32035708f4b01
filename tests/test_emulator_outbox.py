"""The emulator's reports to `return_address` outlive it: they wait in its database until the
receiver took them, and are sent after a restart, at least once, whether the emulator was
stopped (SIGTERM) or killed (SIGKILL) while they were still queued."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from test_service import PASSWORD, USER, Emulator

CALLS = 50


class Receiver:
    """A slow return_address: 50 ms a report, so that most are still queued at the stop."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(0.05)
                with owner.lock:
                    owner.keys.append(f"{self.headers['X-Ivrc-Report']}|{body['unique_id']}")
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/report"

    def distinct(self) -> set[str]:
        with self.lock:
            return set(self.keys)

    def wait_for(self, count: int, seconds: float) -> set[str]:
        deadline = time.monotonic() + seconds
        while len(self.distinct()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.distinct()


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_reports_still_queued_at_a_stop_are_sent_after_the_restart(tmp_path, how):
    receiver = Receiver()
    data, log = tmp_path / "data", tmp_path / "emulator.log"
    emulator = Emulator(data, log, "--no-wait")
    auth = (USER, PASSWORD)
    try:
        request = {
            "unique_id": f"outbox-{how}",
            "return_address": receiver.url,
            "numbers_from_queue": "true",
            "ivr": {"count_steps": 1, "steps": [{"step_id": "a", "prompt": "hello"}]},
        }
        assert httpx.post(emulator.url + "/v2/calls/dialer", json=request, auth=auth, timeout=30).status_code == 200
        numbers = "".join(f"9725212{i:05d}\n" for i in range(CALLS)).encode()
        uploaded = httpx.post(
            emulator.url + f"/v2/calls/upload_phones/outbox-{how}",
            files={"numbers": ("n.csv", numbers, "text/csv")},
            auth=auth,
            timeout=30,
        )
        assert uploaded.status_code == 200, uploaded.text
        assert httpx.post(emulator.url + f"/v2/calls/start_campaign/outbox-{how}", auth=auth, timeout=30).is_success
        before = receiver.wait_for(3, 30)
        assert len(before) >= 3
    finally:
        if how == "SIGKILL":
            emulator.process.kill()
            emulator.process.wait(timeout=10)
        else:
            emulator.stop()
    arrived_before_restart = receiver.distinct()
    assert len(arrived_before_restart) < CALLS  # the stop came while reports were queued
    records = None
    restarted = Emulator(data, log, "--no-wait", port=emulator.port)
    try:
        records = httpx.get(restarted.url + f"/v2/calls/cdr_by_campaign/outbox-{how}", auth=auth, timeout=30)
        after = receiver.wait_for(CALLS, 60)
    finally:
        restarted.stop()
        receiver.server.shutdown()
    assert records is not None and records.text.count("\r\n") == CALLS + 1  # the records were complete
    assert after == {f"outbox-{how}/{i}|outbox-{how}" for i in range(CALLS)}  # every report, at least once
