"""Realistic flows for the benchmarks, made the same way on every run (seeded).

Each flow is a dialer of 3 to 8 steps with Hebrew, English and Russian prompts, single keys and
key ranges, and every action (play, wait, goto, call, mark, hangup), as people write them.
`big_flow(n)` is one flow of n such steps, each step going on to the next."""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import time
from pathlib import Path

PROMPTS = (
    "Press 1 to confirm your appointment, 2 to cancel, or 3 to speak with the clinic",
    "לחץ 1 לאישור התור, 2 לביטול, או 3 לשיחה עם המרפאה",
    "Нажмите 1, чтобы подтвердить, 2, чтобы отменить",
    "Please type your age, then wait",
    "תודה רבה ולהתראות",
    "Спасибо, до свидания",
)


def _step(rng: random.Random, name: str, following: str | None) -> str:
    lines = [
        f"step {name} {{",
        f"    voice {rng.choice(('female', 'male'))}",
        f'    say "{rng.choice(PROMPTS)}"',
        "    timeout 5s",
        "    retries 2",
    ]
    lines.append('    invalid say "Sorry, that key is not one of the choices"')
    lines.append("")
    lines.append("    on 1 {")
    lines.append(f'        play "{rng.choice(PROMPTS)}"')
    lines.append(f'        mark custom "answer-{rng.randint(1, 9)}"')
    lines.append(f"        goto {following}" if following else "        hangup")
    lines.append("    }")
    lines.append('    on 2 -> call "03-123-4568" cli "03-123-4567"')
    lines.append("    on 3 {\n        wait 2s\n        mark remove\n        hangup\n    }")
    lines.append(f"    on 4..6 -> goto {following}" if following else "    on 4..6 -> hangup")
    lines.append("}")
    return "\n".join(lines)


def flow(seed: int, steps: int | None = None, findings: bool = False) -> str:
    text = _flow(seed, steps)
    return _with_findings(text, text.count("\nstep s")) if findings else text


def _flow(seed: int, steps: int | None = None) -> str:
    rng = random.Random(seed)
    count = steps if steps is not None else rng.randint(3, 8)
    head = (
        "region IL\n\n"
        f'dialer "bench-{seed}" {{\n'
        '    return_address "https://example.com/ivr/report"\n'
        "    numbers from queue\n"
        '    cli            "03-123-4567"\n'
        "    max_retries    2\n"
        "    ring_timeout   20s\n"
        "}\n"
    )
    names = [f"s{i}" for i in range(count)]
    body = [_step(rng, name, names[i + 1] if i + 1 < count else None) for i, name in enumerate(names)]
    return head + "\n" + "\n\n".join(body) + "\n"


def big_flow(steps: int) -> str:
    return flow(7, steps)


def flow_with_findings(steps: int) -> str:
    """A big flow as a second corpus would have it: every other step unreachable (its
    predecessor jumps over it) and a key `12` beside `1` in every step (an ambiguous prefix),
    so that it carries about two findings a step."""
    return _with_findings(big_flow(steps), steps)


def _with_findings(text: str, steps: int) -> str:
    for i in range(steps - 2, -1, -1):
        text = text.replace(f"goto s{i + 1}\n", f"goto s{min(i + 2, steps - 1)}\n")
    return text.replace("    on 2 -> call", "    on 12 -> hangup\n    on 2 -> call")


def write_flows(
    folder: Path, count: int, ivrc: list[str], steps: int | None = None, findings: bool = False
) -> tuple[list[Path], list[Path]]:
    """`count` flows and their compiled requests, in folder/ivr and folder/json. With `steps`,
    each flow has that many (25 make a request of about 9 KB, a realistic size); with
    `findings`, each carries warnings as a second corpus would (unreachable steps, key prefixes)."""
    import ivrc as library

    (folder / "ivr").mkdir(parents=True, exist_ok=True)
    (folder / "json").mkdir(parents=True, exist_ok=True)
    flows, requests = [], []
    for seed in range(count):
        text = flow(seed, steps, findings)
        path = folder / "ivr" / f"flow{seed:04d}.ivr"
        path.write_text(text, encoding="utf-8")
        flows.append(path)
        out = folder / "json" / f"{path.stem}.json"
        out.write_text(library.dumps(library.compile(text, path=str(path))), encoding="utf-8")
        requests.append(out)
    return flows, requests


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(command: list[str]) -> tuple[float, float]:
    """One run's wall time and CPU time (user and system, of the process and its children)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bytecode() -> None:
    """Compile ivrc's modules to bytecode, as `pip install .` does and as the anchor's were when
    it was installed: an editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise
    compile every module from source on every start, which no user's install does."""
    import compileall

    import ivrc

    compileall.compile_dir(str(Path(ivrc.__file__).parent), quiet=1)


def checker() -> str:
    import sys

    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("check-jsonschema is not installed: pip install -e '.[bench]'")
    return found
