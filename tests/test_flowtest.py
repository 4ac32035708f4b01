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
    assert "     end: expected hangup, got call" in lines
    assert "     marks: expected [{'type': 'remove'}], got []" in lines
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


def test_no_scenarios_at_all_fails(tmp_path: Path):
    result = run_ivrc("test", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.strip() == "0 passed, 0 failed"
