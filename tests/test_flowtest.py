"""`ivrc test`: scenario files beside flows, for CI and pre-commit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_ivrc


def test_every_example_has_scenarios_and_they_pass():
    examples = sorted(p.stem for p in EXAMPLES.glob("*.ivr"))
    assert sorted(p.stem for p in EXAMPLES.glob("*.ivrtest")) == examples
    result = run_ivrc("test", str(EXAMPLES))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert all(line.startswith("PASS ") for line in lines[:-1])
    assert lines[-1] == f"{len(lines) - 1} passed, 0 failed"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / "white_rabbit.ivr", tmp_path / "white_rabbit.ivr")
    return tmp_path


def test_a_failing_scenario_says_what_differs_and_where(project: Path):
    (project / "white_rabbit.ivrtest").write_text(
        '[[scenario]]\nname = "passes"\nkeys = ["11"]\nend = "hangup"\n\n'
        '[[scenario]]\nname = "wrong on purpose"\nkeys = ["1", "1"]\npath = ["foo", "baz"]\nend = "hangup"\nmarks = [{ type = "remove" }]\n',
        encoding="utf-8",
    )
    result = run_ivrc("test", str(project / "white_rabbit.ivr"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"PASS {project / 'white_rabbit.ivrtest'}:2: passes"
    assert lines[1] == f"FAIL {project / 'white_rabbit.ivrtest'}:7: wrong on purpose"
    assert "     path: expected foo → baz, got foo → bar" in lines
    assert '     end: expected "hangup", got "call"' in lines
    # Values are shown as the scenario file writes them, not as Python reprs.
    assert '     marks: expected [{ type = "remove" }], got []' in lines
    assert lines[-1] == "1 passed, 1 failed"


@pytest.mark.parametrize(
    "content,message",
    [
        ('[[scenario]]\nname = "x"\nkeys = ["1"]\n', "expects nothing"),
        ('[[scenario]]\nname = "x"\nkeys = [1]\nend = "hangup"\n', "`keys` must be a list of texts"),
        ('[[scenario]]\nname = "x"\nend = "finished"\n', "`end` must be one of hangup, call, no-input, end-of-flow"),
        ('[[scenario]]\nname = "x"\nend = "hangup"\nexpect = 1\n', "unknown key `expect`"),
        ('flow = "missing.ivr"\n[[scenario]]\nname = "x"\nend = "hangup"\n', "does not exist"),
        ("[[scenario\n", "not valid TOML"),
    ],
)
def test_malformed_scenario_files_are_usage_errors(project: Path, content: str, message: str):
    (project / "white_rabbit.ivrtest").write_text(content, encoding="utf-8")
    result = run_ivrc("test", str(project))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_scenarios_at_all_is_an_error_that_says_so(tmp_path: Path):
    result = run_ivrc("test", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"ivrc: error: no flow tests (*.ivrtest) found in {tmp_path}\n"


def test_every_malformed_scenario_is_reported_at_its_line_and_the_rest_run(project: Path):
    (project / "white_rabbit.ivrtest").write_text(
        '[[scenario]]\nname = "good one"\nkeys = ["11"]\nend = "hangup"\n\n'
        '[[scenario]]\nname = "typo"\nkeys = ["1"]\npth = ["foo"]\n\n'
        '[[scenario]]\nname = "another good one"\nkeys = ["1", "2"]\nend = "hangup"\n\n'
        '[[scenario]]\nname = "bad end"\nend = "finished"\n',
        encoding="utf-8",
    )
    result = run_ivrc("test", str(project))
    tests = project / "white_rabbit.ivrtest"
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"PASS {tests}:2: good one",
        f"PASS {tests}:12: another good one",
        "2 passed, 0 failed, 2 not run",
    ]
    assert f"ivrc: error: {tests}:9: scenario 2 (typo): unknown key `pth`; did you mean `path`?" in result.stderr
    assert (
        f"ivrc: error: {tests}:18: scenario 4 (bad end): `end` must be one of hangup, call, no-input, end-of-flow"
        in result.stderr
    )


def test_invalid_toml_names_its_line_and_column(project: Path):
    (project / "white_rabbit.ivrtest").write_text('[[scenario]]\nname = "x"\nkeys = ["1",\n', encoding="utf-8")
    result = run_ivrc("test", str(project))
    assert result.returncode == 2
    assert f"ivrc: error: {project / 'white_rabbit.ivrtest'}:4:1: not valid TOML:" in result.stderr


def test_a_scenario_file_that_is_not_utf8_is_placed_like_a_flow(project: Path):
    (project / "white_rabbit.ivrtest").write_bytes(b'[[scenario]]\nname = "\xb6"\n')
    result = run_ivrc("test", str(project))
    assert result.returncode == 2
    assert result.stderr == f"ivrc: error: {project / 'white_rabbit.ivrtest'}:2:9: not UTF-8 text (byte 0xb6)\n"


def test_local_numbers_in_scenarios_are_read_with_the_flows_region(project: Path):
    # white_rabbit.ivr has `region IL` and bridges to 053-000-0000 on 1, 1.
    (project / "white_rabbit.ivrtest").write_text(
        '[[scenario]]\nname = "local form"\nkeys = ["1", "1"]\ncalls = ["053-000-0000"]\n\n'
        '[[scenario]]\nname = "another number"\nkeys = ["1", "1"]\ncalls = ["03-555-9876"]\n',
        encoding="utf-8",
    )
    result = run_ivrc("test", str(project))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("PASS ")
    assert '     calls: expected ["03-555-9876"], got ["972530000000"]' in result.stdout.splitlines()


def test_a_flow_with_errors_gets_one_line_and_a_summary(project: Path):
    flow = project / "white_rabbit.ivr"
    flow.write_text(flow.read_text(encoding="utf-8").replace("goto bar", "goto nowhere"), encoding="utf-8")
    (project / "white_rabbit.ivrtest").write_text(
        '[[scenario]]\nname = "x"\nkeys = ["11"]\nend = "hangup"\n', encoding="utf-8"
    )
    result = run_ivrc("test", str(project))
    assert result.returncode == 2
    assert result.stdout == "0 passed, 0 failed, 1 not run\n"
    assert result.stderr == f"ivrc: error: {flow}: has errors, so its scenarios did not run; see `ivrc lint {flow}`\n"


def test_a_named_flow_without_tests_says_so_and_passes(tmp_path: Path):
    flow = tmp_path / "bin.ivr"
    flow.write_bytes(b"\x89PNG\r\n")
    result = run_ivrc("test", str(flow))
    assert result.returncode == 0
    assert result.stderr == f"ivrc: {flow} has no flow tests (bin.ivrtest beside it)\n"
    assert result.stdout == "No flow tests to run for these flows.\n"


def test_toml_values_are_written_as_a_scenario_file_writes_them():
    from ivrc.running.flowtest import toml_value

    assert toml_value([{"type": "custom", "value": 'say "hi"'}]) == '[{ type = "custom", value = "say \\"hi\\"" }]'
    assert toml_value(["a\\b", "שלום"]) == '["a\\\\b", "שלום"]'
