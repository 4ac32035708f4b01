"""How fast `ivrc emulator` takes big requests of every shape, over real HTTP on loopback.

    pip install -e '.[emulator]' && python benchmarks/emulator_big.py [--runs 3]

Each shape is POSTed to a fresh emulator (default mode) and timed from the first byte sent to
the answer; the figure is megabytes of request a second. The anchor is what any server must do
with the same body: `json.loads` of it, timed in the same process. Then `ivrc lint` of each
body saved as a file (the emulator's `--strict` reading, findings and all), start-up included.
Goal: at least 1 MB/s for every shape, in both."""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _dialer(steps: int, items: int = 1) -> bytes:
    body = [
        {
            "step_id": f"s{i}",
            "prompt": [f"step {i}"] * items if items > 1 else f"step {i} of the call, press one to go on",
            "dtmf_ivr": "1",
            "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": f"s{(i + 1) % steps}"}}]}],
        }
        for i in range(steps)
    ]
    ivr = {"count_steps": steps, "have_dependency": "true", "steps": body}
    request = {"return_address": "http://127.0.0.1:9/", "number": "972521234567", "ivr": ivr}
    return json.dumps(request).encode()


SHAPES = {
    "20,000 steps": lambda: _dialer(20_000),
    "40,000 steps": lambda: _dialer(40_000),
    "a prompt of 200,000 strings": lambda: _dialer(1, 200_000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    command = [sys.executable, "-m", "ivrc", "emulator", "--port", str(port), "--user", "u", "--password", "p"]
    server = subprocess.Popen([*command, "--data", str(folder)], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(f"{'shape':30} {'size':>8} {'emulator':>10} {'MB/s':>6} {'json.loads':>10}")
        for name, make in SHAPES.items():
            body = make()
            times, anchors = [], []
            for run in range(args.runs):
                sent = body.replace(
                    b'"return_address"', f'"unique_id": "bench-{name[:2]}-{run}", "return_address"'.encode(), 1
                )
                start = time.perf_counter()
                answer = httpx.post(url + "/v2/calls/dialer", content=sent, auth=("u", "p"), timeout=600)
                times.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.text[:300]
                start = time.perf_counter()
                json.loads(sent)
                anchors.append(time.perf_counter() - start)
            megabytes = len(body) / 1e6
            took = statistics.median(times)
            saved = folder / "request.json"
            saved.write_bytes(body)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "ivrc", "lint", str(saved)], capture_output=True, check=False)
            linted = time.perf_counter() - start
            print(
                f"{name:30} {megabytes:6.2f}MB {took:9.2f}s {megabytes / took:6.1f} {statistics.median(anchors):9.3f}s"
                f"   lint {linted:5.2f}s {megabytes / linted:4.1f} MB/s"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
