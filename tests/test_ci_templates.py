"""The GitHub Action (`action.yml`) and the GitLab CI template (`ci/gitlab/ivrc.gitlab-ci.yml`),
their shell steps run as the platforms run them: GitHub's with its `GITHUB_*` files and the
inputs in the environment, GitLab's jobs as one shell each with the template's variables,
against `ivrc emulator`; what they write is read by the readers the platforms use."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES, ROOT
from test_ci_formats import GITLAB_CODE_QUALITY
from test_service import PASSWORD, USER, Emulator

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
GITLAB = yaml.safe_load((ROOT / "ci" / "gitlab" / "ivrc.gitlab-ci.yml").read_text(encoding="utf-8"))
_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ci-templates")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _repository(tmp_path: Path, name: str) -> Path:
    """A project as a team keeps it: flows with their tests, recipients, a configuration."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "flows").mkdir()
    for example in ("age_gate.ivr", "age_gate.ivrtest"):
        shutil.copy(EXAMPLES / example, tmp_path / "flows" / example)
    (tmp_path / "flows" / "remind.ivr").write_text(
        f'region IL\ndialer "{name}" {{ return_address "https://hooks.example.com/r"; number recipient.phone }}\n'
        'step a {\n    say "Hello $name$" with name = recipient.name\n    on 1 -> hangup\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "people.csv").write_text("name,phone\nDana,+972520000001\nAvi,+972520000002\n", encoding="utf-8")
    return tmp_path


def _environment(emulator: Emulator) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IVRC_", "GITHUB_", "CI"))}
    return {**clean, "NO_COLOR": "1", "IVRC_BASE_URL": emulator.url, "IVRC_USERNAME": USER, "IVRC_PASSWORD": PASSWORD}


def _run_action(repo: Path, emulator: Emulator, inputs: dict[str, str], action_path: Path = ROOT) -> dict[str, object]:
    """Each shell step of the action, as GitHub runs it; the install step is left out (ivrc is
    installed in the test's environment already). Returns each step's exit code, outputs, summary."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    output, summary = repo / "github-output.txt", repo / "github-summary.md"
    output.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    env = _environment(emulator) | {
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(action_path),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_EVENT_NAME": "push",
    }
    codes: dict[str, int] = {}
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        condition = step.get("if", "")
        if "github.event_name == 'pull_request'" in condition:
            continue  # the comment: GitHub's own API, not here
        wanted = re.findall(r"inputs\.([a-z-]+) (==|!=) '([^']*)'", condition)
        if not all((values[name] == value) == (op == "==") for name, op, value in wanted):
            continue
        step_env = {k: _EXPRESSION.sub(lambda m: values[m.group(1)], str(v)) for k, v in step.get("env", {}).items()}
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=repo, env=env | step_env, capture_output=True, text=True
        )
        codes[step["id"]] = done.returncode
        codes[step["id"] + ":out"] = done.stdout + done.stderr  # type: ignore[assignment]
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    return {"codes": codes, "outputs": outputs, "summary": summary.read_text(encoding="utf-8")}


def test_the_github_action_lints_tests_and_plans_and_the_plan_applies(emulator, tmp_path):
    from junitparser import JUnitXml

    repo = _repository(tmp_path, "action-plan")
    # GitHub keeps an action used as `acme/ivrc@v1.2.0` in _actions/acme/ivrc/v1.2.0.
    ran = _run_action(
        repo,
        emulator,
        {"paths": "flows", "plan": "flows/remind.ivr", "plan-args": "--recipients people.csv", "sarif": "true",
         "coverage-threshold": "10"},
        tmp_path / "runner" / "_actions" / "acme" / "ivrc" / "v1.2.0",
    )  # fmt: skip
    codes = ran["codes"]
    assert codes["lint"] == 0 and codes["test"] == 0 and codes["plan"] == 0, codes  # type: ignore[index]
    sarif = json.loads((repo / "ivrc.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    pages = {rule["id"]: rule["helpUri"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert pages["dangling-goto"] == "https://github.com/acme/ivrc/blob/v1.2.0/docs/rules/dangling-goto.md"
    assert all((ROOT / "docs" / "rules" / f"{name}.md").is_file() for name in pages)  # each page exists at the ref
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(repo / "ivrc-junit.xml"))}
    assert suites["flows/age_gate.ivrtest"].tests > 0 and suites["flows/age_gate.ivrtest"].failures == 0
    assert ran["outputs"] == {"to-send": "2", "plan-file": "ivrc.plan"}
    assert "### ivrc plan: `flows/remind.ivr`" in ran["summary"]  # type: ignore[operator]
    assert "972520000001" not in ran["summary"] and "Dana" not in ran["summary"]  # type: ignore[operator]
    # The apply job, later, with the plan artifact.
    applied = subprocess.run(["ivrc", "apply", "ivrc.plan"], cwd=repo, env=_environment(emulator), capture_output=True,
                             text=True)  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    assert "2 created" in applied.stdout


def test_the_github_action_annotates_a_broken_flow_and_fails(emulator, tmp_path):
    repo = _repository(tmp_path, "action-broken")
    flow = repo / "flows" / "age_gate.ivr"
    flow.write_text(flow.read_text(encoding="utf-8").replace("goto offer", "goto ofer"), encoding="utf-8")
    ran = _run_action(repo, emulator, {"paths": "flows", "test": "false"})
    assert ran["codes"]["lint"] == 1  # type: ignore[index]
    assert "::error file=flows/age_gate.ivr,line=" in ran["codes"]["lint:out"]  # type: ignore[index,operator]


def _gitlab_job(
    name: str, repo: Path, emulator: Emulator, variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """One job of the template as GitLab's runner runs it: its script lines in one shell that stops
    at the first failing line, with the template's variables and the project's."""
    job = GITLAB[name]
    script = "\n".join(job["script"])
    env = _environment(emulator) | {k: str(v) for k, v in GITLAB["variables"].items()} | variables
    env |= {"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}
    return subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True)


def test_the_gitlab_template_writes_the_reports_gitlab_reads_and_plans_then_applies(emulator, tmp_path):
    from junitparser import JUnitXml

    repo = _repository(tmp_path, "gitlab-plan")
    variables = {"IVRC_PATHS": "flows", "IVRC_PLAN": "flows/remind.ivr", "IVRC_PLAN_ARGS": "--recipients people.csv"}
    assert GITLAB["ivrc-lint"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert GITLAB["ivrc-test"]["artifacts"]["reports"]["junit"] == "ivrc-junit.xml"
    lint = _gitlab_job("ivrc-lint", repo, emulator, variables)
    assert lint.returncode == 0, lint.stderr
    jsonschema.validate(
        json.loads((repo / "gl-code-quality-report.json").read_text(encoding="utf-8")), GITLAB_CODE_QUALITY
    )
    test = _gitlab_job("ivrc-test", repo, emulator, variables)
    assert test.returncode == 0, test.stderr
    assert sum(suite.tests for suite in JUnitXml.fromfile(str(repo / "ivrc-junit.xml"))) > 0
    plan = _gitlab_job("ivrc-plan", repo, emulator, variables)
    assert plan.returncode == 0, plan.stderr
    assert set(GITLAB["ivrc-plan"]["artifacts"]["paths"]) == {"ivrc.plan", "ivrc-plan.md"}
    assert "**2** campaigns to send" in (repo / "ivrc-plan.md").read_text(encoding="utf-8")
    assert GITLAB["ivrc-apply"]["needs"] == ["ivrc-plan"]
    assert GITLAB["ivrc-apply"]["rules"][-1]["when"] == "manual"
    apply = _gitlab_job("ivrc-apply", repo, emulator, variables)
    assert apply.returncode == 0, apply.stderr
    assert "2 created" in apply.stdout
    # A broken flow fails the lint job, and its report still lands for the merge request.
    flow = repo / "flows" / "age_gate.ivr"
    flow.write_text(flow.read_text(encoding="utf-8").replace("goto offer", "goto ofer"), encoding="utf-8")
    broken = _gitlab_job("ivrc-lint", repo, emulator, variables)
    assert broken.returncode == 1
    issues = json.loads((repo / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert [i["check_name"] for i in issues] == ["dangling-goto", "unreachable-step"]  # `offer` is not reached now


def test_the_readme_documents_every_input_of_the_action():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, spec in ACTION["inputs"].items():
        default = spec.get("default", "")
        assert f"| `{name}` | {f'`{default}`' if default else ''}".rstrip() + " |" in readme, name
    for name in ACTION["outputs"]:
        assert f"`{name}`" in readme, name
