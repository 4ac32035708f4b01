"""`ivrc lint` answered from its cache, against `check-jsonschema` on the same flows' JSON.

    pip install -e '.[bench]' && python benchmarks/lint_cache.py [--files 1000] [--runs 5]

Two measures, each side by side with its anchor in one run: `ivrc lint one.ivr` with a warm
cache (as a pre-commit hook runs it on an unchanged file) against `check-jsonschema` on that
flow's request, and one `ivrc lint` over 1,000 unchanged flows (the corpus with findings)
against `check-jsonschema` over their 1,000 requests. Goals (issue 26): 0.15 and 0.05."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flows import bytecode, checker, median_seconds, write_flows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bytecode()
    ivrc = [str(Path(sys.executable).parent / "ivrc")]
    schema = str(ROOT / "schemas" / "dialer.schema.json")
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        flows, requests = write_flows(folder, args.files, ivrc, findings=True)
        # As a pre-commit hook runs it: `ivrc lint FILE`, no option (the cache's folder from the environment).
        os.environ["IVRC_CACHE_DIR"] = str(folder / "cache")
        one = [*ivrc, "lint", str(flows[0])]
        every = [*ivrc, "lint", str(folder / "ivr")]
        subprocess.run(every, capture_output=True, check=False)  # warm: every entry written
        warm_one = median_seconds(one, args.runs)
        anchor_one = median_seconds([checker(), "--schemafile", schema, str(requests[0])], args.runs)
        warm_every = median_seconds(every, args.runs)
        anchor_every = median_seconds([checker(), "--schemafile", schema, *map(str, requests)], max(args.runs // 2, 1))
    finally:
        shutil.rmtree(folder)
    print(f"ivrc lint one.ivr, warm cache:      {warm_one * 1000:7.0f} ms")
    ratio = warm_one / anchor_one
    print(f"check-jsonschema one.json:          {anchor_one * 1000:7.0f} ms   ratio {ratio:.3f} (goal 0.15)")
    print(f"ivrc lint {args.files} flows, warm cache: {warm_every:7.2f} s")
    print(
        f"check-jsonschema {args.files} requests:  {anchor_every:7.2f} s    "
        f"ratio {warm_every / anchor_every:.3f} (goal 0.05)"
    )


if __name__ == "__main__":
    main()
