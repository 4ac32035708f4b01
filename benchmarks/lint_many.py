"""How fast `ivrc lint` checks many files in one call, and how fast it starts.

    python benchmarks/lint_many.py [--files 1000] [--runs 3]

Writes N flows (the bundled examples, over and over, under new names) to a temporary
folder, then times whole `ivrc lint` runs over it, as a pre-commit hook or CI job runs them."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flows import bytecode, median_seconds  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bytecode()
    examples = sorted(EXAMPLES.glob("*.ivr"))
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        for i in range(args.files):
            source = examples[i % len(examples)]
            (folder / f"{source.stem}_{i:05d}.ivr").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        ivrc = [sys.executable, "-m", "ivrc"]
        start_up = median_seconds([*ivrc, "--version"], args.runs)
        one = median_seconds([*ivrc, "lint", str(folder / next(folder.iterdir()).name)], args.runs)
        many = median_seconds([*ivrc, "lint", str(folder)], args.runs)
    finally:
        shutil.rmtree(folder)
    print(f"ivrc --version:          {start_up * 1000:7.0f} ms")
    print(f"ivrc lint, 1 file:       {one * 1000:7.0f} ms")
    print(
        f"ivrc lint, {args.files} files: {many * 1000:7.0f} ms ({(many - one) / max(args.files - 1, 1) * 1000:.2f} ms "
        "a file after the first)"
    )


if __name__ == "__main__":
    main()
