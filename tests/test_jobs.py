"""`--jobs`: files checked in several processes give the same output, byte for byte, as one
process, and the work really is shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from conftest import EXAMPLES

from ivrc.cli.jobs import WORTH_A_PROCESS, spread


def _pid(_: int) -> int:
    time.sleep(0.02)  # long enough that no process takes all the work before the other starts
    return os.getpid()


def test_work_is_shared_between_processes_and_comes_back_in_order():
    items = list(range(WORTH_A_PROCESS * 4))
    assert spread(lambda n: n * n, items, 1, lambda: None) == [n * n for n in items]
    assert spread(abs, [-n for n in items], 2, lambda: None) == items
    assert len(set(spread(_pid, items, 2, lambda: None)) - {os.getpid()}) == 2
    assert set(spread(_pid, items[: WORTH_A_PROCESS - 1], 2, lambda: None)) == {os.getpid()}  # too little to share


def test_lint_prints_the_same_bytes_for_any_number_of_jobs(tmp_path):
    for number in range(40):
        for flow in EXAMPLES.glob("*.ivr"):
            text = flow.read_text(encoding="utf-8")
            if number % 3 == 0:
                text += '\nstep lonely {\n    say "never reached"\n}\n'  # findings in some
            (tmp_path / f"{flow.stem}-{number:02d}.ivr").write_text(text, encoding="utf-8")
    shutil.copy(EXAMPLES.parent / "tests" / "requests" / "api_document_test.json", tmp_path / "request.json")
    (tmp_path / "broken.ivr").write_bytes(b"\xff\xfe not text")
    outputs = {}
    for jobs in ("1", "2", "0"):
        for form in ("text", "json", "sarif"):
            done = subprocess.run(
                [sys.executable, "-m", "ivrc", "lint", "--no-cache", "--jobs", jobs, "--format", form, str(tmp_path)],
                capture_output=True,
                text=True,
                timeout=300,
            )
            outputs[jobs, form] = (done.stdout, done.stderr, done.returncode)
    for form in ("text", "json", "sarif"):
        assert outputs["1", form] == outputs["2", form] == outputs["0", form], form
    assert outputs["1", "text"][2] == 2 and "unreachable-step" in outputs["1", "text"][0]


def test_fmt_says_the_same_for_any_number_of_jobs(tmp_path):
    for number in range(30):
        for flow in EXAMPLES.glob("*.ivr"):
            text = flow.read_text(encoding="utf-8")
            if number % 4 == 1:
                text = text.replace("    ", "  ")  # to be reformatted
            if number % 7 == 2:
                text += "\nstep {\n"  # broken: left alone, and said why
            (tmp_path / f"{flow.stem}-{number:02d}.ivr").write_text(text, encoding="utf-8")
    said = {}
    for jobs in ("1", "2"):
        for mode in ("--check", "--diff"):
            done = subprocess.run(
                [sys.executable, "-m", "ivrc", "fmt", mode, "--jobs", jobs, str(tmp_path)],
                capture_output=True,
                text=True,
                timeout=300,
            )
            said[jobs, mode] = (done.stdout, done.stderr, done.returncode)
    assert said["1", "--check"] == said["2", "--check"] and said["1", "--diff"] == said["2", "--diff"]
    assert said["1", "--check"][2] != 0 and "would reformat" in said["1", "--check"][0]


def test_compile_check_says_the_same_for_any_number_of_jobs(tmp_path):
    import ivrc

    flows = []
    for number in range(12):
        for flow in sorted(EXAMPLES.glob("*.ivr")):
            if flow.with_suffix(".csv").is_file():
                continue  # a template flow: its requests are its recipients'
            text = flow.read_text(encoding="utf-8")
            target = tmp_path / f"{flow.stem}-{number:02d}.ivr"
            target.write_text(text, encoding="utf-8")
            flows.append(str(target))
            if number % 3 == 0:
                target.with_suffix(".json").write_text(ivrc.dumps(ivrc.compile(text)), encoding="utf-8")  # fresh
            elif number % 3 == 1:
                target.with_suffix(".json").write_text("{}\n", encoding="utf-8")  # stale
            # else: missing
    (tmp_path / "broken.ivr").write_text('dialer { number "x" }\nstep a { goto }\n', encoding="utf-8")
    flows.append(str(tmp_path / "broken.ivr"))
    said = {}
    for jobs in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "ivrc", "compile", "--check", "--jobs", jobs, *flows],
            capture_output=True,
            text=True,
            timeout=300,
        )
        said[jobs] = (done.stdout, done.stderr, done.returncode)
    assert said["1"] == said["2"]
    assert said["1"][2] == 1 and "stale" in said["1"][1] and "missing" in said["1"][1] and "has errors" in said["1"][1]
