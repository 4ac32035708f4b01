"""One `ivrc lint` over 1,000 flows, and over their 1,000 JSON requests, against one
`check-jsonschema` over the same 1,000 requests.

    pip install -e '.[bench]' && python benchmarks/lint_thousand.py [--files 1000] [--runs 3]

Two corpora: the realistic flows of benchmarks/flows.py (requests of about 11 KB), and the same
flows carrying findings, as a second corpus had them (unreachable steps, key prefixes).
Goals (issue 26): 0.15 or less for both, on both corpora, with the cache off (`--no-cache`:
every run checks every file)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flows import bytecode, checker, median_seconds, write_flows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bytecode()
    for label, findings in (("clean", False), ("with findings", True)):
        _measure(label, args.files, args.runs, findings)


def _measure(label: str, files: int, runs: int, findings: bool) -> None:
    ivrc = [str(Path(sys.executable).parent / "ivrc")]
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        _, requests = write_flows(folder, files, ivrc, findings=findings)
        size = sum(path.stat().st_size for path in requests) // len(requests)
        anchor = median_seconds(
            [checker(), "--schemafile", str(ROOT / "schemas" / "dialer.schema.json"), *map(str, requests)], runs
        )
        flows = median_seconds([*ivrc, "lint", "--no-cache", str(folder / "ivr")], runs)
        jsons = median_seconds([*ivrc, "lint", "--no-cache", str(folder / "json")], runs)
    finally:
        shutil.rmtree(folder)
    print(f"{label}: requests of {size:,} bytes on average")
    print(f"{label}: check-jsonschema over {files} requests: {anchor:6.2f} s (median of {runs})")
    for what, took in ((".ivr flows", flows), ("JSON requests", jsons)):
        print(f"{label}: ivrc lint over {files} {what}: {took:6.2f} s   ratio {took / anchor:.2f} (goal: 0.15 or less)")


if __name__ == "__main__":
    main()
