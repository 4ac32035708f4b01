"""Cold start: one `ivrc lint` of one flow against `check-jsonschema` of its compiled request.

    pip install -e '.[bench]' && python benchmarks/cold_start.py [--runs 15]

Both are what a pre-commit hook starts for a commit that touches one file. Each command runs
`--runs` times, alternating, and the medians are compared; the goal is a ratio of 0.35 or less.

A third command, timed in the same loop, is the floor under any lint: the interpreter starting
and importing only Lark and phonenumbers, the two libraries a lint of a flow cannot do without,
before a line of ivrc runs."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flows import bytecode, checker  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    anchor_program = checker()
    bytecode()
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        flow = folder / "one.ivr"
        shutil.copy(ROOT / "examples" / "white_rabbit.ivr", flow)
        request = folder / "one.json"
        subprocess.run([sys.executable, "-m", "ivrc", "compile", str(flow), "-o", str(request)], check=True)
        # Cold: no cache to answer from (IVRC_NO_CACHE, not --no-cache: an option would take the
        # command line through typer, which a hook's plain `ivrc lint FILE` does not load).
        ivrc = [str(Path(sys.executable).parent / "ivrc"), "lint", str(flow)]
        anchor = [anchor_program, "--schemafile", str(ROOT / "schemas" / "dialer.schema.json"), str(request)]
        floor = [sys.executable, "-c", "import lark, phonenumbers"]
        times: dict[str, list[float]] = {"ivrc": [], "check-jsonschema": [], "floor": []}
        for _ in range(args.runs):
            for name, command in (("ivrc", ivrc), ("check-jsonschema", anchor), ("floor", floor)):
                start = time.perf_counter()
                subprocess.run(command, capture_output=True, check=True, env={**os.environ, "IVRC_NO_CACHE": "1"})
                times[name].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(folder)
    ours, theirs = statistics.median(times["ivrc"]), statistics.median(times["check-jsonschema"])
    print(f"ivrc lint one.ivr:                 {ours * 1000:6.0f} ms (median of {args.runs})")
    print(f"check-jsonschema --schemafile ...: {theirs * 1000:6.0f} ms")
    print(f"ratio: {ours / theirs:.2f} (goal: 0.35 or less)")
    least = statistics.median(times["floor"])
    print(
        f"python -c 'import lark, phonenumbers': {least * 1000:6.0f} ms, ratio {least / theirs:.2f}: the floor under "
        "any lint"
    )


if __name__ == "__main__":
    main()
