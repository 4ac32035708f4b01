"""`ivrc lint` in pipelines: output formats, configuration, suppressions and JSON requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, run_ivrc
from jsonschema import validators

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

FLAWED = """\
region IL
dialer { return_address "https://example.com/r"; numbers from queue }
step menu {
    say "Press 1, or 11"
    on 1 -> goto nowhere
    on 11 { hangup; play "never" }
}
"""

JSON_FLAWED = """\
{"return_address": "https://example.com/r", "numbers_from_queue": true,
 "ivr": {"count_steps": 1, "have_dependency": "true", "steps": [{"step_id": "menu", "prompt": "Press 1",
   "dtmf_ivr": ["1", "11"],
   "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": "nowhere"}}]},
               {"key": "11", "actions": [{"action": "hangup"}, {"action": "play", "params": {"text": "never"}}]}]}]}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "menu.ivr").write_text(FLAWED, encoding="utf-8")
    return tmp_path


def _json(result) -> list[dict]:
    return json.loads(result.stdout)


def test_json_format_has_exactly_the_documented_keys(project):
    result = run_ivrc("lint", "--format", "json", "flows", cwd=project)
    assert result.returncode == 1
    findings = _json(result)
    keys = {"path", "line", "column", "end_line", "end_column", "rule", "severity", "message", "help"}
    assert all(set(f) == keys for f in findings)
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [
        ("ambiguous-key-prefix", 5, 8),
        ("dangling-goto", 5, 18),
        ("unreachable-action", 6, 21),
    ]
    assert findings[1]["path"] == os.path.join("flows", "menu.ivr")
    assert findings[1]["severity"] == "error"
    assert findings[0]["help"] is not None
    assert result.stderr == "", "machine formats own stdout; nothing else is said"


def test_the_same_defects_are_found_in_ivr_and_in_json(project):
    (project / "flows" / "request.json").write_text(JSON_FLAWED, encoding="utf-8")
    findings = _json(run_ivrc("lint", "--format", "json", "flows", cwd=project))
    by_file = {}
    for f in findings:
        by_file.setdefault(Path(f["path"]).suffix, []).append((f["rule"], f["line"], f["column"], f["end_column"]))
    assert [r[0] for r in by_file[".ivr"]] == [r[0] for r in by_file[".json"]]
    assert by_file[".json"] == [
        ("ambiguous-key-prefix", 3, 17, 20),
        ("dangling-goto", 4, 82, 91),
        ("unreachable-action", 5, 64, 111),
    ]


def test_sarif_validates_against_the_oasis_schema(project):
    (project / "flows" / "request.json").write_text(JSON_FLAWED, encoding="utf-8")
    result = run_ivrc("lint", "--format", "sarif", "flows", cwd=project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = validators.validator_for(schema)(schema)
    assert list(validator.iter_errors(log)) == []
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "dangling-goto" in rule_ids and len(rule_ids) == len(set(rule_ids))
    result_0 = run["results"][0]
    assert rule_ids[result_0["ruleIndex"]] == result_0["ruleId"]
    location = result_0["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "flows/menu.ivr", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 5
    assert run["columnKind"] == "unicodeCodePoints"


def test_github_format_and_its_escaping(project):
    (project / "flows" / "menu.ivr").write_text(
        FLAWED.replace("goto nowhere", 'goto "no,where: 100%"'), encoding="utf-8"
    )
    result = run_ivrc("lint", "flows", cwd=project, env={"GITHUB_ACTIONS": "true"})
    lines = result.stdout.splitlines()
    assert lines[1] == (
        "::error file=flows/menu.ivr,line=5,col=18,endLine=5,endColumn=34,title=ivrc (dangling-goto)::"
        "`goto` names a step that does not exist: `no,where: 100%25`%0Ahelp: the steps are `menu`"
    )
    assert lines[0].startswith("::warning file=flows/menu.ivr,line=5,col=8,")
    assert result.stderr == ""


def test_github_properties_escape_commas_and_colons(tmp_path):
    odd = tmp_path / "a,b:c.ivr"
    odd.write_text(FLAWED, encoding="utf-8")
    result = run_ivrc("lint", "--format", "github", odd.name, cwd=tmp_path)
    assert result.stdout.splitlines()[0].startswith("::warning file=a%2Cb%3Ac.ivr,line=5,")


def test_config_in_pyproject_is_found_by_walking_up(project):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ivrc]\nignore = ["dangling-goto"]\n\n[tool.ivrc.severity]\nunreachable-action = "error"\n',
        encoding="utf-8",
    )
    findings = _json(run_ivrc("lint", "--format", "json", "menu.ivr", cwd=project / "flows"))
    assert [(f["rule"], f["severity"]) for f in findings] == [
        ("ambiguous-key-prefix", "warning"),
        ("unreachable-action", "error"),
    ]


def test_ivrc_toml_settings_and_flags_on_top(project):
    (project / "ivrc.toml").write_text(
        'select = ["dangling-goto", "long-wait"]\nlong-wait-limit = "5s"\n', encoding="utf-8"
    )
    (project / "flows" / "menu.ivr").write_text(FLAWED.replace('play "never"', "wait 10s"), encoding="utf-8")
    findings = _json(run_ivrc("lint", "--format", "json", "flows", cwd=project))
    assert [f["rule"] for f in findings] == ["dangling-goto", "long-wait"]
    findings = _json(
        run_ivrc("lint", "--format", "json", "--select", "ambiguous-key-prefix,long-wait", "flows", cwd=project)
    )
    assert [f["rule"] for f in findings] == ["ambiguous-key-prefix", "long-wait"]


def test_region_from_config(tmp_path):
    (tmp_path / "ivrc.toml").write_text('region = "IL"\n', encoding="utf-8")
    (tmp_path / "a.ivr").write_text(
        'dialer { return_address "https://example.com/r"; number "03-123-4567" }\nstep a { say "x" }\n',
        encoding="utf-8",
    )
    assert run_ivrc("lint", "a.ivr", cwd=tmp_path).returncode == 0
    assert run_ivrc("compile", "a.ivr", cwd=tmp_path).returncode == 0
    assert run_ivrc("lint", "a.ivr", "--region", "US", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(
    "content,message",
    [
        ("[tool.ivrc]\nregion = 5\n", "[tool.ivrc] `region`: expected a text"),
        (
            '[tool.ivrc]\nselect = ["dangling-got"]\n',
            "[tool.ivrc] `select`: no rule named `dangling-got`; did you mean `dangling-goto`?",
        ),
        ("[tool.ivrc]\ncolour = true\n", "[tool.ivrc] unknown key `colour`"),
        (
            '[tool.ivrc.severity]\ndangling-goto = "fatal"\n',
            "[tool.ivrc] `severity`: `fatal` is not a severity; use error, warning or info",
        ),
        (
            '[tool.ivrc]\nlong-wait-limit = "soon"\n',
            "[tool.ivrc] `long-wait-limit`: `soon` is not a duration such as `90s`",
        ),
        ("[tool.ivrc\n", "not valid TOML"),
        (
            '[tool.ivrc]\nregion = "IL"\n[tool.ivrc.severity]\nunreachable-step = "error"\nignore = ["long-wait"]\n',
            "`ignore` is an option of [tool.ivrc], but it is written under [tool.ivrc.severity], so TOML reads it as a rule's "
            "severity; move `ignore = …` above the [tool.ivrc.severity] line",
        ),
    ],
)
def test_malformed_config_is_a_clear_error_with_exit_2(project, content, message):
    (project / "pyproject.toml").write_text(content, encoding="utf-8")
    result = run_ivrc("lint", "flows", cwd=project)
    assert result.returncode == 2
    assert f"ivrc: error: {project / 'pyproject.toml'}: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_pyproject_without_ivrc_table_is_passed_over(project):
    (project / "flows" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (project / "ivrc.toml").write_text(
        'ignore = ["dangling-goto", "ambiguous-key-prefix", "unreachable-action"]\n', encoding="utf-8"
    )
    assert run_ivrc("lint", "flows", cwd=project).returncode == 0


def test_strict_fails_on_warnings(tmp_path):
    (tmp_path / "a.ivr").write_text(
        'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\nstep a { say "x"; on 1 { hangup; wait 1s } }\n',
        encoding="utf-8",
    )
    assert run_ivrc("lint", "a.ivr", cwd=tmp_path).returncode == 0
    assert run_ivrc("lint", "--strict", "a.ivr", cwd=tmp_path).returncode == 1


def test_no_suppress_reports_suppressed_findings():
    clean = run_ivrc("lint", "--format", "json", str(EXAMPLES / "white_rabbit.ivr"))
    assert _json(clean) == []
    everything = run_ivrc("lint", "--format", "json", "--no-suppress", str(EXAMPLES / "white_rabbit.ivr"))
    assert sorted({f["rule"] for f in _json(everything)}) == ["ambiguous-key-prefix", "sleep-rounded-up"]


def test_unknown_rule_flag_is_a_usage_error():
    result = run_ivrc("lint", "--ignore", "no-such-rule", str(EXAMPLES))
    assert result.returncode == 2
    assert "--ignore: no rule named `no-such-rule`" in result.stderr


def test_recordings_flag(tmp_path):
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "clinic_greeting.wav").write_bytes(b"RIFF")
    result = run_ivrc(
        "lint",
        "--format",
        "json",
        "--recordings",
        str(tmp_path / "recordings"),
        str(EXAMPLES / "appointment_reminder.ivr"),
    )
    missing = sorted(f["message"].split("`")[1] for f in _json(result))
    assert missing == ["clinic_cancelled.wav", "clinic_invalid_key.wav"]
    assert run_ivrc("lint", "--recordings", str(tmp_path / "nope"), str(EXAMPLES)).returncode == 2


def test_folder_walk_takes_request_json_and_leaves_other_json(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "site"}', encoding="utf-8")
    (tmp_path / "broken-config.json").write_text('{"name": ', encoding="utf-8")
    (tmp_path / "flow.ivr").write_text(FLAWED, encoding="utf-8")
    (tmp_path / "flow.json").write_text('{"return_address": 5}', encoding="utf-8")  # flow.ivr's compiled output
    (tmp_path / "request.json").write_text(JSON_FLAWED, encoding="utf-8")
    findings = _json(run_ivrc("lint", "--format", "json", ".", cwd=tmp_path))
    assert sorted({f["path"] for f in findings}) == ["flow.ivr", "request.json"]
    named = _json(run_ivrc("lint", "--format", "json", "package.json", cwd=tmp_path))
    assert [f["rule"] for f in named] == ["missing-request"]


def test_json_syntax_error_is_a_syntax_error_at_its_position(tmp_path):
    (tmp_path / "r.json").write_text('{"return_address": "x",\n "number" "972546000000"}', encoding="utf-8")
    [finding] = _json(run_ivrc("lint", "--format", "json", "r.json", cwd=tmp_path))
    assert (finding["rule"], finding["line"], finding["column"]) == ("syntax-error", 2, 11)
    assert finding["message"] == 'expected `:`, found the text "972546000000"'


def test_compile_check(tmp_path):
    flow = tmp_path / "flow.ivr"
    flow.write_text((EXAMPLES / "age_gate.ivr").read_text(encoding="utf-8"), encoding="utf-8")
    missing = run_ivrc("compile", "--check", str(flow))
    assert missing.returncode == 1 and "flow.json: missing" in missing.stderr
    assert run_ivrc("compile", str(flow), "-o", str(tmp_path / "flow.json")).returncode == 0
    fresh = run_ivrc("compile", "--check", str(flow))
    assert (fresh.returncode, fresh.stdout, fresh.stderr) == (0, "", "")
    flow.write_text(flow.read_text(encoding="utf-8").replace("max_retries    2", "max_retries    4"), encoding="utf-8")
    stale = run_ivrc("compile", "--check", str(flow))
    assert stale.returncode == 1 and "flow.json: stale" in stale.stderr
    assert (tmp_path / "flow.json").read_text(encoding="utf-8").count('"max_retries": 2') == 1, "--check writes nothing"


def test_compile_takes_one_file_without_check():
    result = run_ivrc("compile", str(EXAMPLES / "age_gate.ivr"), str(EXAMPLES / "white_rabbit.ivr"))
    assert result.returncode == 2


# ---- what a new user met in their first hour ----------------------------------------------


def test_a_missing_file_is_a_finding_and_never_all_checks_passed(tmp_path):
    result = run_ivrc("lint", "missing.ivr", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("missing.ivr: error[unreadable-file]: no such file or folder\n")
    assert result.stderr == "Found 1 error in 1 file.\n"
    assert "All checks passed" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "content,message",
    [(b"\x89PNG\r\n\x1a\n\x00", "not UTF-8 text (byte 0x89)"), (b"step a\n  \xb6", "not UTF-8 text (byte 0xb6)")],
)
def test_binary_and_non_utf8_files_are_findings(tmp_path, content, message):
    (tmp_path / "bin.ivr").write_bytes(content)
    result = run_ivrc("lint", "bin.ivr", cwd=tmp_path)
    assert result.returncode == 2
    assert f"error[unreadable-file]: {message}" in result.stdout
    assert "All checks passed" not in result.stderr


def test_an_empty_folder_is_an_error_as_in_ruff_and_pytest(tmp_path):
    (tmp_path / "emptydir").mkdir()
    result = run_ivrc("lint", "emptydir/", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "ivrc: error: no .ivr files or request .json files found in emptydir\n"


@pytest.mark.parametrize("output_format", ["github", "sarif", "json"])
def test_unreadable_files_reach_ci_in_the_chosen_format(tmp_path, output_format):
    (tmp_path / "bin.ivr").write_bytes(b"ok\n\xff")
    result = run_ivrc("lint", "--format", output_format, "bin.ivr", "missing.ivr", cwd=tmp_path)
    assert result.returncode == 2
    if output_format == "github":
        assert (
            "::error file=bin.ivr,line=2,col=1,endLine=2,endColumn=2,title=ivrc (unreadable-file)::not UTF-8 text (byte 0xff)"
            in result.stdout
        )
        assert "::error file=missing.ivr,line=1,col=1" in result.stdout
    elif output_format == "sarif":
        log = json.loads(result.stdout)
        validators.validator_for(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))(
            json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        ).validate(log)
        found = [
            (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for r in log["runs"][0]["results"]
        ]
        assert found == [("unreadable-file", "bin.ivr"), ("unreadable-file", "missing.ivr")]
    else:
        assert [(f["path"], f["rule"], f["line"]) for f in json.loads(result.stdout)] == [
            ("bin.ivr", "unreadable-file", 2),
            ("missing.ivr", "unreadable-file", 1),
        ]
    assert result.stderr == ""


def test_compile_check_says_errors_once_and_leaves_the_findings_to_lint(tmp_path):
    (tmp_path / "bad.ivr").write_text(FLAWED, encoding="utf-8")
    result = run_ivrc("compile", "--check", "bad.ivr", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "ivrc: bad.ivr: has errors, so it was not compiled; see `ivrc lint bad.ivr`\n"


def test_a_config_that_is_not_utf8_is_placed_like_a_flow(project):
    (project / "ivrc.toml").write_bytes(b'region = "\xb6"\n')
    result = run_ivrc("lint", "flows", cwd=project)
    assert result.returncode == 2
    assert result.stderr == f"ivrc: error: {project / 'ivrc.toml'}:1:11: not UTF-8 text (byte 0xb6)\n"


@pytest.mark.parametrize(
    "paths",
    [
        ["flows/menu.ivr"],  # errors: exit 1
        ["flows"],  # a folder
        ["flows/menu.ivr", "missing.ivr"],  # a path that is not there: exit 2
        ["empty"],  # nothing to lint: exit 2, one line
        ["flows", "bad-config/a.ivr"],  # a malformed ivrc.toml: exit 2, one line
        ["clean.ivr"],
    ],
)
def test_plain_lint_starts_without_the_framework_and_says_what_the_full_command_line_says(project, paths):
    """`ivrc lint PATH...` with no option skips typer (pre-commit starts it on every commit);
    with an option it goes through typer. Both say the same, byte for byte, with one exit code."""
    (project / "empty").mkdir()
    (project / "bad-config").mkdir()
    (project / "bad-config" / "ivrc.toml").write_text("select = [\n", encoding="utf-8")
    (project / "bad-config" / "a.ivr").write_text(FLAWED, encoding="utf-8")
    (project / "clean.ivr").write_text((EXAMPLES / "age_gate.ivr").read_text(encoding="utf-8"), encoding="utf-8")
    plain = run_ivrc("lint", *paths, cwd=project)
    full = run_ivrc("lint", "--format", "text", *paths, cwd=project)
    assert (plain.returncode, plain.stdout, plain.stderr) == (full.returncode, full.stdout, full.stderr)
    assert plain.stdout or plain.stderr
    assert "Traceback" not in plain.stderr


def test_plain_lint_loads_no_command_line_framework(project):
    probe = (
        "import sys\n"
        "from ivrc.launch import main\n"
        "sys.argv = ['ivrc', 'lint', 'flows']\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click')), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, timeout=120)
    assert done.stderr.splitlines()[-1] == "1 []"
