"""Every stage grows linearly: a flow, a request and a recipients file eight times as large take
about eight times as long, never the square of it. Each comparison is made in one process,
n against 8n, with a bound generous enough for a busy machine (a quadratic stage would take
64 times as long)."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from pathlib import Path

import ivrc
from ivrc.build import batch, batch_rows
from ivrc.build.library import analyze
from ivrc.insight import render

BOUND = 24  # 8n against n: linear is about 8, quadratic about 64


def _flow(steps: int) -> str:
    body = "".join(
        f'step s{i} {{\n    say "Step {i}: press 1, 2 or 3..5"\n    timeout 3s\n'
        f"    on 1 -> goto s{(i + 1) % steps}\n    on 2 -> goto s{i}\n"
        f'    on 3..5 {{\n        play "Thanks"\n        mark custom "m{i}"\n        hangup\n    }}\n'
        f'    on 9 -> call "054-600-0000" cli "03-000-0000"\n}}\n'
        for i in range(steps)
    )
    return 'region IL\ndialer "big" { return_address "https://example.com/r"; numbers from queue }\n' + body


def _best(work: Callable[[], object], runs: int = 3) -> float:
    """The least CPU time of the process over `runs` runs: on a busy machine, time spent waiting
    for a processor is not counted, so that the ratio is the work's."""
    times = []
    for _ in range(runs):
        gc.collect()  # each run starts with no garbage of the one before to collect
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def _grows_linearly(small: Callable[[], object], large: Callable[[], object]) -> float:
    small()  # warm: the parser is built, the modules are loaded
    ratio = _best(large) / _best(small)
    assert ratio < BOUND, f"8 times the input took {ratio:.1f} times as long"
    return ratio


def test_compiling_a_flow_grows_linearly():
    small, large = _flow(60), _flow(480)
    _grows_linearly(lambda: ivrc.compile(small), lambda: ivrc.compile(large))


def test_linting_a_flow_with_findings_grows_linearly():
    # Every step's goto is dangling: each finding is rendered with its line, as lint shows it.
    def findings(steps: int) -> Callable[[], object]:
        text = _flow(steps).replace("goto s", "goto missing")
        return lambda: render.text_report([render.FileReport("x.ivr", text, tuple(ivrc.lint(text)))])

    _grows_linearly(findings(60), findings(480))


def test_linting_a_json_request_grows_linearly():
    small = ivrc.dumps(ivrc.compile(_flow(60)))
    large = ivrc.dumps(ivrc.compile(_flow(480)))
    _grows_linearly(lambda: ivrc.lint(small, path="x.json"), lambda: ivrc.lint(large, path="x.json"))


def test_a_recipients_file_grows_linearly(tmp_path: Path):
    flow = 'region IL\ndialer "r" { return_address "https://example.com/r"; number recipient.phone }\nstep a { say "Hi $name$" with name = recipient.name }\n'
    template = analyze(flow, emit_request=True, recipients=True).template
    assert template is not None

    def people(count: int) -> Path:
        path = tmp_path / f"people-{count}.csv"
        path.write_text("name,phone\n" + "".join(f"Person {n},+97252{n:07d}\n" for n in range(count)), encoding="utf-8")
        return path

    small, large = people(1000), people(8000)
    lines: list[str] = []

    def compiled(path: Path) -> Callable[[], object]:
        def work() -> object:
            batch_rows._read_phone.cache_clear()  # each run reads its numbers afresh, as a new command does
            return batch.run(template, path, "IL", lambda r, u, line: lines.append(line))

        return work

    _grows_linearly(compiled(small), compiled(large))
    assert json.loads(lines[-1])["number"] == "972520000999", "the small file was read last"


def test_suggestions_for_many_dangling_gotos_grow_linearly():
    # Every goto misses by one letter, among step names of the same length: "did you mean" must
    # not compare each goto with every step (it once made 3,200 steps take minutes).
    def misses(steps: int) -> Callable[[], object]:
        text = _flow(steps).replace("goto s", "goto x")
        return lambda: ivrc.lint(text)

    _grows_linearly(misses(60), misses(480))


def test_the_suggester_keeps_to_its_budget():
    from ivrc.language.suggest import Suggester

    names = [f"step{n:05d}" for n in range(1000)]
    suggest = Suggester(names, budget=2500)
    assert suggest.close("step00017") == "step00017" and suggest.close("stepp00018") == "step00018"
    assert suggest.close("stap00019") is None, "the third look-up would pass the budget"
    assert suggest.close("step00017") == "step00017", "a word looked up once is remembered"


def test_a_campaign_report_grows_linearly():
    # Call records stream through the report: 8 times the records, 8 times the work.
    import io

    from conftest import EXAMPLES

    from ivrc.insight.traffic import replay
    from ivrc.running.records import iter_cdr

    text = (EXAMPLES / "satisfaction_survey.cdr.csv").read_bytes().decode("utf-8")
    header, rows = text.split("\r\n", 1)
    request = ivrc.compile((EXAMPLES / "satisfaction_survey.ivr").read_text(encoding="utf-8"))

    def report(copies: int) -> Callable[[], object]:
        records = header + "\r\n" + rows * copies
        return lambda: replay(request, iter_cdr(io.StringIO(records)))

    _grows_linearly(report(20), report(160))
    assert report(3)().placed == 180


def _dialer(steps: int, prompt_items: int = 1) -> str:
    body = [
        {
            "step_id": f"s{i}",
            "prompt": [f"step {i}"] * prompt_items if prompt_items > 1 else f"step {i}",
            "dtmf_ivr": "1",
            "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": f"s{(i + 1) % steps}"}}]}],
        }
        for i in range(steps)
    ]
    ivr = {"count_steps": steps, "have_dependency": "true", "steps": body}
    return json.dumps({"return_address": "http://127.0.0.1:9/", "number": "972521234567", "ivr": ivr})


def test_the_emulator_checks_a_request_of_any_shape_linearly():
    """Many steps, or one prompt of many strings: the emulator's verdict grows with the bytes
    (`benchmarks/emulator_big.py` measures it in MB/s)."""
    from ivrc.service.emulator.checking import check

    for small, large in ((_dialer(500), _dialer(4000)), (_dialer(1, 5000), _dialer(1, 40000))):
        _grows_linearly(
            lambda s=small: check(s, "dialer", "IL", False, set()),
            lambda s=large: check(s, "dialer", "IL", False, set()),
        )


def test_recovery_skips_junk_linearly():
    """A line of junk after a flow, or a file of it: recovery from the syntax error skips it at
    once (`1,` after `1,`, Hebrew letters), rather than token by token."""
    flow = _flow(2)
    inside = flow + "step junk {\n    say "  # junk where a statement's string should be
    for junk in ("1,", "ש", "x "):
        _grows_linearly(
            lambda j=junk: ivrc.lint(inside + j * 50_000, path="g.ivr"),
            lambda j=junk: ivrc.lint(inside + j * 400_000, path="g.ivr"),
        )
        _grows_linearly(
            lambda j=junk: ivrc.lint(flow + j * 50_000, path="g.ivr"),
            lambda j=junk: ivrc.lint(flow + j * 400_000, path="g.ivr"),
        )
        _grows_linearly(
            lambda j=junk: ivrc.lint(j * 50_000, path="g.ivr"), lambda j=junk: ivrc.lint(j * 400_000, path="g.ivr")
        )


def test_a_warm_lint_cache_grows_linearly(tmp_path, capsys):
    """Files answered from the cache: 8 times as many take about 8 times as long."""
    from ivrc.cli.lint import lint

    source = _flow(3)
    folders = {}
    for count in (40, 320):
        folder = folders[count] = tmp_path / f"n{count}"
        folder.mkdir()
        for number in range(count):
            (folder / f"f{number:04d}.ivr").write_text(source.replace('"big"', f'"f{number}"'), encoding="utf-8")
        lint([folder], cache_dir=tmp_path / "cache")  # cold: every entry written
    capsys.readouterr()

    def warm(count: int) -> Callable[[], object]:
        return lambda: lint([folders[count]], cache_dir=tmp_path / "cache")

    _grows_linearly(warm(40), warm(320))
    capsys.readouterr()


def test_the_command_line_freezes_what_a_reading_made_and_a_server_does_not():
    """After a big reading, the first collection (and each older one) would walk every node
    again; the command line moves them out of the collector's sight, a server never does."""
    import subprocess
    import sys

    probe = (
        "import gc, sys\n"
        "from ivrc.build.library import analyze\n"
        "from ivrc.language import memory\n"
        "if sys.argv[1] != 'library': memory.ends_with_its_command(sys.argv[1] == 'command')\n"
        "gc.freeze()\n"
        "gc.unfreeze()\n"
        f"analyze({_flow(50)!r})\n"
        "print(gc.get_freeze_count(), gc.isenabled())\n"
    )
    seen = {}
    for who in ("command", "server", "library"):
        done = subprocess.run([sys.executable, "-c", probe, who], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        frozen, enabled = done.stdout.split()
        seen[who] = int(frozen)
        assert enabled == "True"
    assert seen["command"] > 10_000  # every node of the 50 steps, at least
    assert seen["server"] == 0 and seen["library"] == 0


def test_ivrc_says_it_ends_with_its_command_and_its_servers_say_they_do_not():
    import ast as python_ast

    root = Path(__file__).resolve().parent.parent / "ivrc"
    for module, expected in (
        ("launch.py", "()"),
        ("lsp/features.py", "(False)"),
        ("service/emulator/__init__.py", "(False)"),
    ):
        tree = python_ast.parse((root / module).read_text(encoding="utf-8"))
        calls = [
            python_ast.unparse(node)
            for node in python_ast.walk(tree)
            if isinstance(node, python_ast.Call) and python_ast.unparse(node.func) == "ends_with_its_command"
        ]
        assert calls == [f"ends_with_its_command{expected}"], module
