"""Time and peak memory of `ivrc lint` and `ivrc compile` over a large recipients file.

    python benchmarks/recipients_million.py [--rows 1000000]

Writes a recipients CSV of N rows (Hebrew, English and Russian names, unique numbers) for the
bundled personal reminder, then runs each command once in a child process and reads its peak
resident memory from the operating system (getrusage of the child). The goal is linear time
and at most 200 MiB for 1,000,000 rows."""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ("Dana Levi", "דוד כהן", "Sarah Miller", "מרים אברהם", "Avi Cohen", "Анна Петрова")


def write_recipients(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,name,phone,day,time,clinic\r\n")
        for n in range(rows):
            phone = f"+9725{2 + n // 10_000_000}{n % 10_000_000:07d}"
            out.write(f"{n},{NAMES[n % len(NAMES)]},{phone},Tuesday,{9 + n % 8}:30,02-640-000{n % 3}\r\n")


def measured(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak MiB of the child, and its exit code."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return seconds, peak_kib / 1024, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        flow = folder / "flow.ivr"
        shutil.copy(EXAMPLES / "personal_reminder.ivr", flow)
        recipients = folder / "recipients.csv"
        write_recipients(recipients, args.rows)
        size = recipients.stat().st_size / 2**20
        # Each command in its own child, so that each peak is its own (ru_maxrss keeps the largest).
        lint = subprocess.run(
            [sys.executable, __file__, "--child", "lint", str(flow), str(recipients)],
            capture_output=True,
            text=True,
            check=True,
        )
        comp = subprocess.run(
            [sys.executable, __file__, "--child", "compile", str(flow), str(recipients)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"recipients: {args.rows:,} rows, {size:.0f} MiB")
        print(f"ivrc lint --recipients:    {lint.stdout.strip()}")
        print(f"ivrc compile --recipients: {comp.stdout.strip()}")
    finally:
        shutil.rmtree(folder)


def child(command: str, flow: str, recipients: str) -> None:
    ivrc = [sys.executable, "-m", "ivrc"]
    if command == "lint":
        seconds, peak, code = measured([*ivrc, "lint", flow, "--recipients", recipients, "--format", "json"])
    else:
        out = str(Path(flow).with_name("requests.jsonl"))
        seconds, peak, code = measured([*ivrc, "compile", flow, "--recipients", recipients, "-o", out])
    print(f"{seconds:6.1f} s, peak {peak:5.0f} MiB (exit {code})")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
    else:
        main()
