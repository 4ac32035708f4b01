"""Wall time and requests a second of `ivrc deploy --recipients` against `ivrc emulator`.

    python benchmarks/deploy_batch.py [--rows 10000] [--concurrency 16]

Starts the emulator on a free loopback port, writes N recipients for the bundled personal
reminder, deploys them with --start (two requests each: create, start), and waits until the
emulator has called and recorded every one. The goal is 10,000 rows in at most 60 s on a
2-core machine."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recipients_million import EXAMPLES, write_recipients  # noqa: E402


class Service(NamedTuple):
    folder: Path  # the emulator keeps its state in folder/data; the rest is the benchmark's
    process: subprocess.Popen[bytes]
    env: dict[str, str]  # for an `ivrc deploy` to it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def emulator(*extra: str) -> Iterator[Service]:
    """`ivrc emulator` on a free loopback port, its state in a fresh folder, once it answers;
    stopped, and the folder removed, afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "ivrc",
        "emulator",
        "--port",
        str(port),
        "--user",
        "bench",
        "--password",
        "bench",
        "--data",
        str(folder / "data"),
        *extra,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers(url):
            if time.monotonic() > deadline:
                raise SystemExit("the emulator did not start")
            time.sleep(0.1)
        env = {**os.environ, "IVRC_BASE_URL": url, "IVRC_USERNAME": "bench", "IVRC_PASSWORD": "bench"}
        yield Service(folder, process, env)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/openapi.json", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with emulator("--no-wait") as service:
        folder = service.folder
        flow = folder / "flow.ivr"
        shutil.copy(EXAMPLES / "personal_reminder.ivr", flow)
        recipients = folder / "recipients.csv"
        write_recipients(recipients, args.rows)
        command = [
            sys.executable,
            "-m",
            "ivrc",
            "deploy",
            str(flow),
            "--recipients",
            str(recipients),
            "--yes",
            "--start",
            "--concurrency",
            str(args.concurrency),
        ]
        start = time.perf_counter()
        done = subprocess.run(command, env=service.env, capture_output=True, text=True, check=False)
        deployed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
        with sqlite3.connect(folder / "data" / "emulator.sqlite3") as db:
            while db.execute("SELECT COUNT(*) FROM campaigns WHERE done = 0").fetchone()[0]:
                time.sleep(0.2)
            recorded = db.execute("SELECT COUNT(*) FROM cdr").fetchone()[0]
        called = time.perf_counter() - start
        print(
            f"{args.rows:,} recipients at concurrency {args.concurrency}: deployed in {deployed:.1f} s "
            f"({2 * args.rows / deployed:.0f} requests a second), all {recorded:,} called and recorded after "
            f"{called:.1f} s"
        )
        print(done.stdout.splitlines()[-1])


if __name__ == "__main__":
    main()
