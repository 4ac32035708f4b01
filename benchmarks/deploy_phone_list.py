"""`ivrc deploy` of a phone list of a million numbers to `ivrc emulator`: wall time, and the
peak memory of the client and of the emulator.

    python benchmarks/deploy_phone_list.py [--numbers 1000000]

Goals: it finishes, in at most 60 s, with at most 200 MiB in each process."""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deploy_batch import emulator  # noqa: E402


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    args = parser.parse_args()
    with emulator() as service:
        folder = service.folder
        flow = folder / "list.ivr"
        flow.write_text(
            'region IL\ndialer "big-list" { return_address "http://127.0.0.1:9/"; numbers from queue }\nstep a { say '
            '"Hi" }\n',
            encoding="utf-8",
        )
        numbers = folder / "numbers.csv"
        with numbers.open("w", encoding="utf-8") as out:
            for n in range(args.numbers):
                out.write(f"+9725{2 + n // 10_000_000}{n % 10_000_000:07d}\n")
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "ivrc", "deploy", str(flow), "--phones", str(numbers), "--yes"],
            env=service.env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
        client = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"{args.numbers:,} numbers deployed in {seconds:.1f} s; peak memory: client {client:.0f} MiB, emulator "
            f"{peak_mib(service.process.pid):.0f} MiB"
        )


if __name__ == "__main__":
    main()
