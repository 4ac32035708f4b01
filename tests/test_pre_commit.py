"""The hooks in .pre-commit-hooks.yaml, run by the real `pre-commit try-repo` on a scratch repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

GIT = ["git", "-c", "user.name=ivrc tests", "-c", "user.email=tests@example.com", "-c", "commit.gpgsign=false"]
DANGLING = 'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\nstep a {\n    say "x"\n    on 1 -> goto nowhere\n}\n'


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory) -> Path:
    """One pre-commit cache for the module, so the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    repo = tmp_path / "campaigns"
    (repo / "flows").mkdir(parents=True)
    shutil.copy(EXAMPLES / "age_gate.ivr", repo / "flows" / "age_gate.ivr")
    shutil.copy(EXAMPLES / "age_gate.ivrtest", repo / "flows" / "age_gate.ivrtest")
    subprocess.run([sys.executable, "-m", "ivrc", "compile", "flows/age_gate.ivr", "-o", "flows/age_gate.json"], cwd=repo, check=True)
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "."], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "flows"], cwd=repo, check=True)
    return repo


def try_repo(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files", "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_lint_hook_passes_clean_flows_and_fails_a_defective_one(scratch, hook_home):
    clean = try_repo(scratch, "ivrc-lint", hook_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ivrc lint" in clean.stdout and "Passed" in clean.stdout

    (scratch / "flows" / "broken.ivr").write_text(DANGLING, encoding="utf-8")
    subprocess.run([*GIT, "add", "."], cwd=scratch, check=True)
    broken = try_repo(scratch, "ivrc-lint", hook_home)
    assert broken.returncode == 1
    assert "Failed" in broken.stdout
    assert "flows/broken.ivr:5:18: error[dangling-goto]" in broken.stdout


def test_compile_check_hook_fails_on_stale_json(scratch, hook_home):
    fresh = try_repo(scratch, "ivrc-compile-check", hook_home)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr

    flow = scratch / "flows" / "age_gate.ivr"
    flow.write_text(flow.read_text(encoding="utf-8").replace("max_retries    2", "max_retries    5"), encoding="utf-8")
    subprocess.run([*GIT, "add", "."], cwd=scratch, check=True)
    stale = try_repo(scratch, "ivrc-compile-check", hook_home)
    assert stale.returncode == 1
    assert "flows/age_gate.json: stale" in stale.stdout


def test_flow_test_hook_runs_the_scenarios(scratch, hook_home):
    passing = try_repo(scratch, "ivrc-test", hook_home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "ivrc test" in passing.stdout and "Passed" in passing.stdout

    tests = scratch / "flows" / "age_gate.ivrtest"
    tests.write_text(tests.read_text(encoding="utf-8").replace('calls = ["97231234568"]', 'calls = ["97231234569"]'), encoding="utf-8")
    subprocess.run([*GIT, "add", "."], cwd=scratch, check=True)
    failing = try_repo(scratch, "ivrc-test", hook_home)
    assert failing.returncode == 1
    assert "FAIL flows/age_gate.ivrtest" in failing.stdout
