"""One `ivrc lint` over 1,000 flows, and over their 1,000 JSON requests, against one
`check-jsonschema` over the same 1,000 requests.

    pip install -e '.[bench]' && python benchmarks/lint_thousand.py [--files 1000] [--runs 3]

The flows are realistic (benchmarks/flows.py). Goals: 0.5 or less for the .ivr flows, 1.0 or
less for the JSON requests."""

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
    ivrc = [str(Path(sys.executable).parent / "ivrc")]
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        _, requests = write_flows(folder, args.files, ivrc)
        anchor = median_seconds(
            [checker(), "--schemafile", str(ROOT / "schemas" / "dialer.schema.json"), *map(str, requests)], args.runs
        )
        flows = median_seconds([*ivrc, "lint", str(folder / "ivr")], args.runs)
        jsons = median_seconds([*ivrc, "lint", str(folder / "json")], args.runs)
    finally:
        shutil.rmtree(folder)
    print(f"check-jsonschema over {args.files} requests: {anchor:6.2f} s (median of {args.runs})")
    print(
        f"ivrc lint over {args.files} .ivr flows:      {flows:6.2f} s   ratio {flows / anchor:.2f} (goal: 0.5 or less)"
    )
    print(
        f"ivrc lint over {args.files} JSON requests:   {jsons:6.2f} s   ratio {jsons / anchor:.2f} (goal: 1.0 or less)"
    )


if __name__ == "__main__":
    main()
