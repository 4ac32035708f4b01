"""The manual's pre-commit configurations (docs/ci.md), run as written by the real `pre-commit` on a scratch
repository: the hooks from ivrc's repository at `rev: main`, pinned with `autoupdate --freeze`,
and the `repo: local` variant."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

GIT = [
    "git",
    "-c",
    "user.name=ivrc tests",
    "-c",
    "user.email=tests@example.com",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]
DANGLING = 'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\nstep a {\n    say "x"\n    on 1 -> goto nowhere\n}\n'
MANUAL = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")  # the manual's page on pre-commit and CI
SNIPPETS = re.findall(r"```yaml\n(repos:\n.*?)```", MANUAL, flags=re.S)
REMOTE, LOCAL = SNIPPETS[0], SNIPPETS[1]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def ivrc_repository(tmp_path_factory) -> Path:
    """ivrc's repository as a user would clone it: the files of this tree, committed on `main`."""
    remote = tmp_path_factory.mktemp("ivrc-remote")
    listed = _git("ls-files", "-co", "--exclude-standard", "-z", cwd=ROOT).split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (remote / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, remote / name)
    _git("init", "-q", cwd=remote)
    _git("add", ".", cwd=remote)
    _git("commit", "-q", "-m", "ivrc", cwd=remote)
    return remote


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory) -> Path:
    """One pre-commit cache for the module, so the hooks' environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    repo = tmp_path / "campaigns"
    (repo / "flows").mkdir(parents=True)
    shutil.copy(EXAMPLES / "age_gate.ivr", repo / "flows" / "age_gate.ivr")
    shutil.copy(EXAMPLES / "age_gate.ivrtest", repo / "flows" / "age_gate.ivrtest")
    subprocess.run(
        [sys.executable, "-m", "ivrc", "compile", "flows/age_gate.ivr", "-o", "flows/age_gate.json"],
        cwd=repo,
        check=True,
    )
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "flows", cwd=repo)
    return repo


def configure(repo: Path, snippet: str, ivrc_repository: Path | None = None) -> Path:
    """The manual's snippet as the project's config; only the placeholder address is replaced."""
    text = (
        snippet
        if ivrc_repository is None
        else re.sub(r"repo: https://\S+", f"repo: {ivrc_repository.as_uri()}", snippet)
    )
    config = repo / ".pre-commit-config.yaml"
    config.write_text(text, encoding="utf-8")
    _git("add", ".", cwd=repo)
    return config


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # `language: system` hooks find the ivrc that is installed, as a team's venv would have it.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PATH": path}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_the_readme_snippet_works_as_written(scratch, ivrc_repository, hook_home):
    assert "rev: main" in REMOTE
    configure(scratch, REMOTE, ivrc_repository)
    clean = pre_commit(scratch, hook_home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert [line.split(".")[0] for line in clean.stdout.splitlines() if "Passed" in line] == [
        "ivrc lint",
        "ivrc compile --check",
        "ivrc test",
    ]


def test_each_hook_reports_only_its_own_job(scratch, ivrc_repository, hook_home):
    configure(scratch, REMOTE, ivrc_repository)
    (scratch / "flows" / "broken.ivr").write_text(DANGLING, encoding="utf-8")
    _git("add", ".", cwd=scratch)
    broken = pre_commit(scratch, hook_home, "run", "--all-files")
    assert broken.returncode == 1
    assert broken.stdout.count("error[dangling-goto]") == 1, broken.stdout
    assert "flows/broken.ivr:5:18: error[dangling-goto]" in broken.stdout
    assert "flows/broken.ivr: has errors, so it was not compiled; see `ivrc lint flows/broken.ivr`" in broken.stdout


def test_stale_json_and_failing_scenarios_fail_their_hooks(scratch, ivrc_repository, hook_home):
    configure(scratch, REMOTE, ivrc_repository)
    flow = scratch / "flows" / "age_gate.ivr"
    flow.write_text(flow.read_text(encoding="utf-8").replace("max_retries    2", "max_retries    5"), encoding="utf-8")
    tests = scratch / "flows" / "age_gate.ivrtest"
    tests.write_text(
        tests.read_text(encoding="utf-8").replace('calls = ["97231234568"]', 'calls = ["97231234569"]'),
        encoding="utf-8",
    )
    _git("add", ".", cwd=scratch)
    failing = pre_commit(scratch, hook_home, "run", "--all-files")
    assert failing.returncode == 1
    assert "flows/age_gate.json: stale" in failing.stdout
    assert "FAIL flows/age_gate.ivrtest" in failing.stdout


def test_autoupdate_freeze_pins_the_commit(scratch, ivrc_repository, hook_home):
    config = configure(scratch, REMOTE, ivrc_repository)
    frozen = pre_commit(scratch, hook_home, "autoupdate", "--freeze")
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    head = _git("rev-parse", "HEAD", cwd=ivrc_repository).strip()
    assert re.search(rf"rev: {head}\b", config.read_text(encoding="utf-8"))
    _git("add", ".", cwd=scratch)
    pinned = pre_commit(scratch, hook_home, "run", "--all-files")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr


def test_the_local_variant_runs_the_installed_ivrc(scratch, hook_home):
    configure(scratch, LOCAL)
    clean = pre_commit(scratch, hook_home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (scratch / "flows" / "broken.ivr").write_text(DANGLING, encoding="utf-8")
    _git("add", ".", cwd=scratch)
    broken = pre_commit(scratch, hook_home, "run", "--all-files")
    assert broken.returncode == 1
    assert "flows/broken.ivr:5:18: error[dangling-goto]" in broken.stdout


def _personal(repo: Path) -> None:
    """A clinic's reminder as a template, its patients named once in ivrc.toml."""
    (repo / "reminders").mkdir()
    shutil.copy(EXAMPLES / "personal_reminder.ivr", repo / "reminders" / "reminder.ivr")
    shutil.copy(EXAMPLES / "personal_reminder.csv", repo / "reminders" / "patients.csv")
    (repo / "reminders" / "ivrc.toml").write_text('recipients = "patients.csv"\n', encoding="utf-8")
    scenarios = (
        (EXAMPLES / "personal_reminder.ivrtest")
        .read_text(encoding="utf-8")
        .replace('"personal_reminder.csv"', '"patients.csv"')
    )
    (repo / "reminders" / "reminder.ivrtest").write_text(scenarios, encoding="utf-8")


@pytest.mark.parametrize("variant", ["remote", "local"])
def test_a_template_and_its_recipients_are_checked_by_the_hooks(scratch, ivrc_repository, hook_home, variant):
    configure(scratch, REMOTE, ivrc_repository) if variant == "remote" else configure(scratch, LOCAL)
    _personal(scratch)
    _git("add", ".", cwd=scratch)
    clean = pre_commit(scratch, hook_home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _git("commit", "-q", "-m", "reminders", cwd=scratch)
    # Only the recipients file changes, with a number that cannot be one: the data checks run.
    patients = scratch / "reminders" / "patients.csv"
    patients.write_text(patients.read_text(encoding="utf-8").replace("054-600-0002", "054-6"), encoding="utf-8")
    _git("add", ".", cwd=scratch)
    bad = pre_commit(scratch, hook_home, "run")
    assert bad.returncode == 1
    assert "reminders/patients.csv:3:" in bad.stdout and "error[invalid-phone-number]" in bad.stdout
    assert "reminders/patients.csv: has errors, so reminders/reminder.ivr was not compiled for it" in bad.stdout, (
        bad.stdout
    )
    assert "FAIL reminders/reminder.ivrtest" in bad.stdout and "has no row 2 without errors" in bad.stdout, (
        "the tests that play the rows ran"
    )
    # A committed JSON Lines must be what the template compiles to with its recipients.
    _git("checkout", "--", ".", cwd=scratch)
    _git("reset", "-q", "--hard", cwd=scratch)
    subprocess.run(
        [sys.executable, "-m", "ivrc", "compile", "reminders/reminder.ivr", "-o", "reminders/reminder.jsonl"],
        cwd=scratch,
        check=True,
    )
    _git("add", ".", cwd=scratch)
    assert pre_commit(scratch, hook_home, "run").returncode == 0
    patients.write_text(patients.read_text(encoding="utf-8").replace("Dana Levi", "Dana Cohen"), encoding="utf-8")
    _git("add", ".", cwd=scratch)
    stale = pre_commit(scratch, hook_home, "run")
    assert stale.returncode == 1
    assert "reminders/reminder.jsonl: stale, reminders/reminder.ivr with " in stale.stdout
    # A CSV that no configuration names (call records, say) is none of the hooks' business.
    (scratch / "records.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    _git("reset", "-q", "--hard", cwd=scratch)
    _git("add", ".", cwd=scratch)
    other = pre_commit(scratch, hook_home, "run")
    assert other.returncode == 0, other.stdout
