"""`ivrc compile` of one big flow against a bare Lark parse of it, and how compile time grows.

    pip install -e '.[bench]' && python benchmarks/compile_big.py [--steps 5000] [--runs 7]

The anchor parses the same text with the same grammar (`grammar/ivr.lark`, LALR, with
`propagate_positions`) in a fresh interpreter, as ivrc does. Growth compares the CPU time of STEPS steps
with STEPS/10, with the start-up (a 1-step flow) taken off both. Both corpora: the clean flow, and
the same with about two findings a step (`flow_with_findings`), each printed with its snippet.
Goals: a ratio of 1.2 or less, and growth of 10.5x or less for 10x the steps (linear)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flows import big_flow, bytecode, flow_with_findings, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BARE_LARK = """
import sys
from lark import Lark
grammar = open(sys.argv[1], encoding="utf-8").read()
parser = Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)
parser.parse(open(sys.argv[2], encoding="utf-8").read())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bytecode()
    for label, make in (("clean", big_flow), ("with findings", flow_with_findings)):
        _measure(label, make, args.steps, args.runs)


def _measure(label: str, make: Callable[[int], str], steps: int, runs: int) -> None:
    ivrc = str(Path(sys.executable).parent / "ivrc")
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        sizes = {"one": 1, "small": max(steps // 10, 1), "big": steps}
        paths = {}
        for name, count in sizes.items():
            paths[name] = folder / f"{name}.ivr"
            paths[name].write_text(make(count), encoding="utf-8")
        commands = {
            name: [ivrc, "compile", str(path), "-o", str(folder / f"{name}.json")] for name, path in paths.items()
        }
        commands["lark"] = [sys.executable, "-c", BARE_LARK, str(ROOT / "grammar" / "ivr.lark"), str(paths["big"])]
        # Alternated, run after run, so that a machine that slows down slows all of them alike.
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                # The small ones thrice: a tenth of a second of work, against start-up that varies
                # by a hundredth, is where the growth's error comes from.
                for _ in range(3 if name in ("one", "small") else 1):
                    times[name].append(timed(command))
        # The least disturbed run of each: wall time against Lark, CPU time for the growth (the
        # work done, as tests/test_growth.py measures it, whatever else the machine does).
        compiled = {name: min(wall for wall, _ in times[name]) for name in paths}
        work = {name: min(cpu for _, cpu in times[name]) for name in paths}
        lark = min(wall for wall, _ in times["lark"])
    finally:
        shutil.rmtree(folder)
    growth = (work["big"] - work["one"]) / max(work["small"] - work["one"], 1e-9)
    print(f"{label}: ivrc compile, {steps} steps:   {compiled['big']:6.2f} s (best of {runs})")
    print(
        f"{label}: bare Lark parse, {steps} steps: {lark:6.2f} s   "
        f"ratio {compiled['big'] / lark:.2f} (goal: 1.2 or less)"
    )
    print(
        f"{label}: ivrc compile, {sizes['small']} steps:    {compiled['small']:6.2f} s; 1 step: {compiled['one']:.2f} s"
    )
    print(f"{label}: growth of the CPU time for 10x the steps, start-up taken off: {growth:.1f}x (goal: 10.5x or less)")


if __name__ == "__main__":
    main()
