"""Time and peak memory of `ivrc lint` and `ivrc compile` over a large recipients file.

    python benchmarks/recipients_million.py [--rows 1000000]

Writes a recipients CSV of N rows (Hebrew, English and Russian names, unique numbers) for the
bundled personal reminder, then runs each command once and samples the resident memory of all
its processes added up (the rows are spread over the cores). The goals (issue 26): lint in 30 s
and compile in 35 s for 1,000,000 rows, at most 300 MiB in all processes together."""

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
    """Wall seconds, the peak of the resident memory of the command's processes added up (the
    rows are spread over processes), sampled every 50 ms, and its exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kib = 0
    while process.poll() is None:
        peak_kib = max(peak_kib, _tree_kib(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest process, at its own peak
    return seconds, max(peak_kib, own) / 1024, process.returncode


def _tree_kib(root: int) -> int:
    """The resident memory of a process and its descendants, added up (`ps`, in KiB)."""
    listed = subprocess.run(["ps", "-A", "-o", "pid=,ppid=,rss="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    resident: dict[int, int] = {}
    for line in listed.splitlines():
        pid, parent, rss = (int(part) for part in line.split())
        children.setdefault(parent, []).append(pid)
        resident[pid] = rss
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += resident.get(pid, 0)
        todo += children.get(pid, [])
    return total


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
