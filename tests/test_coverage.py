"""`ivrc test --coverage`: which steps, keys and ends the scenarios reach, counted by hand."""

from __future__ import annotations

import shutil

import pytest
from conftest import EXAMPLES, run_ivrc

ONE_SCENARIO = """
flow = "white_rabbit.ivr"

[[scenario]]
name = "eleven plays the thanks"
keys = ["11"]
end = "hangup"
"""


@pytest.fixture
def rabbit(tmp_path):
    shutil.copy(EXAMPLES / "white_rabbit.ivr", tmp_path / "white_rabbit.ivr")
    (tmp_path / "white_rabbit.ivrtest").write_text(ONE_SCENARIO, encoding="utf-8")
    return tmp_path


def _table(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[lines.index("") + 1 :]


def test_one_scenario_covers_what_it_walks(rabbit):
    result = run_ivrc("test", "white_rabbit.ivr", "--coverage", cwd=rabbit)
    assert result.returncode == 0, result.stdout + result.stderr
    # white_rabbit: 2 steps; 6 keys (foo: 11, 1, 4, 0; bar: 1, 2); 7 ends (hang up, the call to
    # 053-000-0000, the end of the steps, and a wrong key and no input at each step). Pressing
    # 11 reaches foo, its key 11 and the hang-up: 3 of 15, 20%.
    assert _table(result.stdout) == [
        "Flow              Steps  Miss  Keys  Miss  Ends  Miss  Cover",
        "------------------------------------------------------------",
        "white_rabbit.ivr      2     1     6     5     7     6    20%",
        "------------------------------------------------------------",
        "TOTAL                 2     1     6     5     7     6    20%",
        "white_rabbit.ivr: not tested: foo: on 1, foo: on 4, foo: on 0, bar, bar: on 1, bar: on 2, end of the call, "
        "call 053-000-0000, foo: wrong key, foo: no input, bar: wrong key, bar: no input",
    ]


def test_the_bundled_examples_as_a_table(tmp_path):
    result = run_ivrc("test", "examples", "--coverage")
    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: line.split()[1:] for line in _table(result.stdout) if line.startswith(("examples/", "TOTAL"))
    }
    # What the examples' scenarios leave out of white_rabbit: a wrong key and silence in bar.
    assert rows["examples/white_rabbit.ivr"] == ["2", "0", "6", "0", "7", "2", "86%"]
    assert "examples/white_rabbit.ivr: not tested: bar: wrong key, bar: no input" in result.stdout
    assert rows["examples/delivery_notice.ivr"][-1] == "100%"


@pytest.mark.parametrize(("threshold", "code"), [("50", 1), ("20", 0), ("19.5", 0)])
def test_fail_under(rabbit, threshold, code):
    result = run_ivrc("test", "white_rabbit.ivr", "--fail-under", threshold, cwd=rabbit)
    assert result.returncode == code, result.stdout + result.stderr
    if code:
        assert f"ivrc: coverage failure: the total, 20.0%, is under --fail-under {threshold}%" in result.stderr
    assert "TOTAL" in result.stdout, "--fail-under measures coverage by itself"


def test_a_named_flow_without_tests_counts_as_untested(rabbit):
    shutil.copy(EXAMPLES / "age_gate.ivr", rabbit / "age_gate.ivr")
    result = run_ivrc("test", "white_rabbit.ivr", "age_gate.ivr", "--coverage", cwd=rabbit)
    assert "age_gate.ivr has no flow tests" in result.stderr
    assert any(line.startswith("age_gate.ivr ") and line.endswith(" 0%") for line in result.stdout.splitlines()), (
        result.stdout
    )


def test_the_report_marks_untested_parts_on_the_diagram(rabbit):
    result = run_ivrc("test", "white_rabbit.ivr", "--report", "coverage.html", cwd=rabbit)
    assert result.returncode == 0, result.stderr
    page = (rabbit / "coverage.html").read_text(encoding="utf-8")
    # Untested edges: foo's 1, 4 and 0, bar's 1 and 2. Untested nodes: bar, the call, the end.
    assert page.count('class="edge untested"') == 5
    assert page.count('class="node untested"') == 3
    assert page.count('class="node tested"') == 2  # foo and the hang-up
    assert "Not tested: foo: on 1, foo: on 4, foo: on 0, bar, bar: on 1" in page
    again = run_ivrc("test", "white_rabbit.ivr", "--report", "again.html", cwd=rabbit)
    assert again.returncode == 0 and (rabbit / "again.html").read_text(encoding="utf-8") == page


def test_coverage_of_nothing_run_says_so(tmp_path):
    (tmp_path / "bad.ivrtest").write_text(
        'flow = "missing.ivr"\n[[scenario]]\nname = "x"\nkeys = []\n', encoding="utf-8"
    )
    result = run_ivrc("test", "bad.ivrtest", "--coverage", "--fail-under", "10", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
