"""The command line as a user meets it: exit codes, streams, files written or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, GOLDEN, ROOT, run_ivrc

import ivrc

CLEAN = 'dialer { return_address "https://example.com/r"; number "+972546000000" }\nstep hello { say "Hello" }\n'
DANGLING = 'dialer { return_address "https://example.com/r"; number "+972546000000" }\nstep hello {\n    say "Hello"\n    on 1 -> goto nowhere\n}\n'
WARNING_ONLY = 'dialer { return_address "https://example.com/r"; number "+972540000000" }\nstep hello { say "Hello" }\n'


def test_version():
    result = run_ivrc("--version")
    assert result.returncode == 0
    assert result.stdout == f"ivrc {ivrc.__version__}\n"


def test_compile_writes_json_to_stdout():
    result = run_ivrc("compile", str(EXAMPLES / "white_rabbit.ivr"))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (GOLDEN / "white_rabbit.json").read_text(encoding="utf-8")


def test_compile_to_a_file(tmp_path):
    out = tmp_path / "out.json"
    result = run_ivrc("compile", str(EXAMPLES / "age_gate.ivr"), "-o", str(out))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert out.read_text(encoding="utf-8") == (GOLDEN / "age_gate.json").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"], "no temporary file is left behind"
    assert oct(out.stat().st_mode & 0o777) != oct(0o600), "the file gets ordinary permissions"


def test_compile_error_reports_position_and_writes_nothing(tmp_path):
    source = tmp_path / "flow.ivr"
    source.write_text(DANGLING, encoding="utf-8")
    out = tmp_path / "out.json"
    out.write_text("previous output\n", encoding="utf-8")
    result = run_ivrc("compile", str(source), "-o", str(out))
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"{source}:4:18: error[dangling-goto]: `goto` names a step that does not exist: `nowhere`" in result.stderr
    assert "4 |     on 1 -> goto nowhere\n" in result.stderr
    assert "  |                  ^^^^^^^\n" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text(encoding="utf-8") == "previous output\n", "a failed compile leaves the old output alone"


def test_compile_with_warnings_succeeds_and_reports_them(tmp_path):
    source = tmp_path / "flow.ivr"
    source.write_text(WARNING_ONLY, encoding="utf-8")
    result = run_ivrc("compile", str(source))
    assert result.returncode == 0
    assert json.loads(result.stdout)["number"] == "972540000000"
    assert "warning[unallocated-phone-number]" in result.stderr


def test_every_error_is_reported_in_one_run(tmp_path):
    source = tmp_path / "flow.ivr"
    source.write_text(
        'dialer { number "054-600-0000" }\nstep a { say "x"; on 1 -> goto b; on 1 -> goto c }\nstep a { say "y" }\n',
        encoding="utf-8",
    )
    result = run_ivrc("compile", str(source))
    rules = [line.split("[", 1)[1].split("]", 1)[0] for line in result.stderr.splitlines() if ": error[" in line]
    assert sorted(rules) == [
        "dangling-goto",
        "dangling-goto",
        "duplicate-key",
        "duplicate-step",
        "invalid-phone-number",
        "missing-return-address",
    ]


@pytest.mark.parametrize(
    "args,message",
    [
        (["compile", "no-such.ivr"], "ivrc: error: no-such.ivr: no such file or folder\n"),
        (["compile", "examples"], "ivrc: error: examples: is a directory\n"),
        (["fmt", "no-such-folder"], "ivrc: error: no-such-folder: no such file or folder\n"),
    ],
)
def test_io_errors_are_one_clear_line_with_exit_2(args, message):
    result = run_ivrc(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_undecodable_bytes_name_their_position(tmp_path):
    source = tmp_path / "flow.ivr"
    source.write_bytes('step a {\n  say "שלום \xff"\n}\n'.encode().replace(b"\xc3\xbf", b"\xff"))
    result = run_ivrc("compile", str(source))
    assert result.returncode == 2
    assert result.stderr == f"ivrc: error: {source}:2:13: not UTF-8 text (byte 0xff)\n"


def test_unknown_region_flag_is_a_usage_error():
    result = run_ivrc("compile", str(EXAMPLES / "white_rabbit.ivr"), "--region", "XX")
    assert result.returncode == 2
    assert "--region XX" in result.stderr


def test_region_flag_reads_local_numbers(tmp_path):
    source = tmp_path / "flow.ivr"
    source.write_text(
        'dialer { return_address "https://example.com/r"; number "054-600-0000" }\nstep a { say "x" }\n',
        encoding="utf-8",
    )
    assert run_ivrc("compile", str(source)).returncode == 1
    result = run_ivrc("compile", str(source), "--region", "il")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["number"] == "972546000000"


def test_the_files_own_region_wins_over_the_flag(tmp_path):
    source = tmp_path / "flow.ivr"
    source.write_text(
        'region US\ndialer { return_address "https://example.com/r"; number "415 555 2671" }\nstep a { say "x" }\n',
        encoding="utf-8",
    )
    result = run_ivrc("compile", str(source), "--region", "IL")
    assert json.loads(result.stdout)["number"] == "14155552671"


def test_output_to_a_missing_folder_is_a_usage_error(tmp_path):
    result = run_ivrc("compile", str(EXAMPLES / "white_rabbit.ivr"), "-o", str(tmp_path / "no" / "out.json"))
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_lint_folder_and_files(tmp_path):
    (tmp_path / "good.ivr").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.ivr").write_text(DANGLING, encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "skip.ivr").write_text("junk", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("junk", encoding="utf-8")
    result = run_ivrc("lint", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{tmp_path / 'sub' / 'bad.ivr'}:4:18: error[dangling-goto]")
    assert "skip.ivr" not in result.stdout
    assert result.stderr.strip().endswith("Found 1 error in 2 files.")


def test_lint_warnings_alone_exit_0(tmp_path):
    (tmp_path / "warn.ivr").write_text(WARNING_ONLY, encoding="utf-8")
    result = run_ivrc("lint", str(tmp_path / "warn.ivr"))
    assert result.returncode == 0
    assert "warning[unallocated-phone-number]" in result.stdout
    assert "Found 1 warning in 1 file." in result.stderr


def test_lint_clean_examples():
    result = run_ivrc("lint", str(EXAMPLES))
    assert (result.returncode, result.stdout) == (0, "")
    assert "All checks passed (7 files)." in result.stderr  # examples/marketing/offer.ivr too


def test_lint_reports_a_bad_file_and_goes_on(tmp_path):
    (tmp_path / "a.ivr").write_bytes(b"\xff\xfe")
    (tmp_path / "b.ivr").write_text(DANGLING, encoding="utf-8")
    result = run_ivrc("lint", str(tmp_path))
    assert result.returncode == 2
    # The unreadable file is a finding among the others, so CI shows it too.
    assert "a.ivr:1:1: error[unreadable-file]: not UTF-8 text (byte 0xff)" in result.stdout
    assert "b.ivr:4:18: error[dangling-goto]" in result.stdout
    assert result.stderr == "Found 2 errors in 2 files.\n"


def test_colour_only_when_asked():
    plain = run_ivrc("lint", str(GOLDEN.parent / "rules"), env={})
    assert "\x1b[" not in plain.stdout + plain.stderr
    source = GOLDEN.parent.parent / "examples"
    coloured = run_ivrc(
        "compile", str(source / "white_rabbit.ivr"), "--region", "IL", env={"FORCE_COLOR": "1", "NO_COLOR": ""}
    )
    assert "\x1b[" not in coloured.stdout, "JSON on stdout is never coloured"


def test_rules_and_rule_docs():
    listing = run_ivrc("rules")
    assert listing.returncode == 0
    assert "dangling-goto" in listing.stdout and "unreachable-step" in listing.stdout
    doc = run_ivrc("rule", "dangling-goto")
    assert doc.returncode == 0
    assert doc.stdout.startswith("dangling-goto (error)\n\nWhat it does\n")
    assert doc.stdout.endswith("\n\nThe manual's page: docs/rules/dangling-goto.md\n")
    assert (ROOT / "docs" / "rules" / "dangling-goto.md").is_file()
    wrong = run_ivrc("rule", "danglin-goto")
    assert wrong.returncode == 2
    assert "did you mean `dangling-goto`?" in wrong.stderr


def test_no_arguments_shows_help():
    result = run_ivrc()
    assert "compile" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_runs_without_a_terminal_or_home():
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "TERM", "LANG", "LC_ALL")}
    result = subprocess.run(
        [sys.executable, "-m", "ivrc", "compile", str(EXAMPLES / "white_rabbit.ivr")], capture_output=True, env=env
    )
    assert result.returncode == 0
    assert result.stdout.decode("utf-8") == (GOLDEN / "white_rabbit.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02 step \x00",
        ("a" * 10_000_000).encode(),
        ('step x { say "' + "א" * 2_000_000 + '" }').encode(),
        b"{" * 50_000,
        "\u202e\u200f step \u05d0 {}".encode(),
    ],
    ids=["empty", "nul-bytes", "10MB-line", "huge-hebrew-text", "deep-braces", "bidi-controls"],
)
def test_hostile_input_gives_diagnostics_not_tracebacks(tmp_path, content):
    source = tmp_path / "hostile.ivr"
    source.write_bytes(content)
    out = tmp_path / "out.json"
    result = run_ivrc("compile", str(source), "-o", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{source}:1:" in result.stderr
    assert not out.exists()
    assert len(result.stderr) < 20_000, "a huge line is shown as a window, not in full"


def test_the_parser_cache_lives_in_the_users_cache_and_survives_damage(tmp_path):
    cache = tmp_path / "cache"
    example = str(EXAMPLES / "white_rabbit.ivr")
    first = run_ivrc("compile", example, env={"XDG_CACHE_HOME": str(cache)})
    stored = cache / "ivrc" / "ivr.lark-cache"
    assert stored.is_file()
    stored.write_bytes(b"damaged")
    again = run_ivrc("compile", example, env={"XDG_CACHE_HOME": str(cache)})
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    without = run_ivrc("compile", example, env={"XDG_CACHE_HOME": str(blocked)})
    assert (without.returncode, without.stdout, without.stderr) == (0, first.stdout, "")


def test_one_lint_call_builds_the_parser_once(tmp_path):
    for i in range(30):
        (tmp_path / f"flow_{i}.ivr").write_text(
            (EXAMPLES / "age_gate.ivr").read_text(encoding="utf-8"), encoding="utf-8"
        )
    probe = (
        "import sys\n"
        "from ivrc.language import parser\n"
        "from ivrc.launch import main\n"
        f"sys.argv = ['ivrc', 'lint', '--jobs', '1', '--no-cache', {str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(parser.lark_parser.cache_info().misses, parser.lark_parser.cache_info().hits, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    misses, hits = map(int, result.stderr.split()[-2:])
    assert misses == 1 and hits >= 29


@pytest.mark.parametrize(
    "command", ["compile", "lint", "fmt", "decompile", "simulate", "test", "graph", "deploy", "cdr", "emulator", "rule"]
)
def test_help_names_values_as_click_does_never_python_types(command):
    result = run_ivrc(command, "--help")
    assert result.returncode == 0
    text = result.stdout
    assert not any(
        token in text
        for token in ("list[", "<path>", "<str>", "<int>", "<float>", "<text", "{files", "{paths", "{file")
    )


def test_usage_lines_read_like_click():
    assert run_ivrc("compile", "--help").stdout.startswith("Usage: ivrc compile [OPTIONS] FILE...\n")
    assert run_ivrc("lint", "--help").stdout.startswith("Usage: ivrc lint [OPTIONS] PATH...\n")
    assert "  -o, --output OUT " in run_ivrc("compile", "--help").stdout
    assert "  --format [text|json|sarif|github|gitlab]\n" in run_ivrc("lint", "--help").stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["lint", "examples", "--format", "xml"],
            "Error: Invalid value for '--format': 'xml' is not one of 'text', 'json', 'sarif', 'github', 'gitlab'.\n",
        ),
        (
            ["simulate", "examples/age_gate.ivr", "--format", "sarif"],
            "Error: Invalid value for '--format': 'sarif' is not one of 'text', 'json'.\n",
        ),
        (["emulator", "--port", "eighty"], "Error: Invalid value for '--port': 'eighty' is not a whole number\n"),
    ],
)
def test_bad_option_values_get_clicks_message(args, message):
    result = run_ivrc(*args)
    assert result.returncode == 2
    assert result.stderr.endswith(message)
    assert "Value error" not in result.stderr


def test_simulate_lists_only_its_own_formats():
    assert "--format [text|json] " in run_ivrc("simulate", "--help").stdout


def test_simulate_refuses_keys_no_phone_has():
    result = run_ivrc("simulate", "examples/age_gate.ivr", "--keys", "1,x,abc")
    assert result.returncode == 2
    assert (
        result.stderr
        == "ivrc: error: --keys: `x`, `abc` are not entries a phone can press; an entry is made of 0-9, * and #, or is `timeout`\n"
    )
    assert result.stdout == ""


def test_simulate_names_the_keys_left_over():
    result = run_ivrc("simulate", "examples/age_gate.ivr", "--keys", "35,1,2,timeout")
    assert result.returncode == 0
    assert result.stdout.endswith("the call ends: hangup\n")
    assert result.stderr == "ivrc: the call ended (hangup) before these entries of --keys were used: 2, timeout\n"


def _complete(words: str, cwd: Path = EXAMPLES) -> list[str]:
    env = {
        "_IVRC_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = run_ivrc(cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_shell_completion_offers_rules_formats_and_flows():
    assert _complete("ivrc lint --select dang") == ["dangling-goto"]
    assert _complete("ivrc lint --ignore long-wait,sleep") == ["long-wait,sleep-rounded-up"]
    assert _complete("ivrc lint --format s") == ["sarif"]
    assert _complete("ivrc rule unrea") == ["unreadable-file", "unreachable-step", "unreachable-action"]
    assert _complete("ivrc compile age") == ["age_gate.ivr"]
    assert _complete("ivrc test white") == ["white_rabbit.ivr", "white_rabbit.ivrtest"]


def test_completion_installs_for_bash(tmp_path):
    env = {"HOME": str(tmp_path), "SHELL": "/bin/bash"}
    shown = run_ivrc("--show-completion", "bash", env=env)
    assert shown.returncode == 0 and "_IVRC_COMPLETE=complete_bash" in shown.stdout
    installed = run_ivrc("--install-completion", "bash", env=env)
    assert installed.returncode == 0, installed.stderr
    written = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file())
    assert "ivrc" in written


def test_a_published_manual_gives_each_rule_its_address_in_sarif_and_rule(monkeypatch):
    """Where the package declares its manual (`[project.urls] Documentation`), `ivrc rule` and
    SARIF's `helpUri` point at the rule's page there; SARIF takes an absolute address only."""
    from ivrc.insight.render import manual_site, rule_page

    declared = ["Issues, https://tracker.example.com/ivrc", "Documentation, https://ivrc.example.com/manual/"]
    assert manual_site(declared) == "https://ivrc.example.com/manual"
    monkeypatch.setattr("ivrc.insight.render.manual_site", lambda: manual_site(declared))
    monkeypatch.delenv("IVRC_RULE_DOCS", raising=False)
    from ivrc.insight.render import rule_docs

    assert rule_page("dangling-goto", rule_docs()) == "https://ivrc.example.com/manual/rules/dangling-goto/"
    monkeypatch.undo()
    assert manual_site(["Documentation, docs/index.md"]) is None, "not an absolute address"
    assert rule_page("dangling-goto", None) == "docs/rules/dangling-goto.md"
    import json

    from ivrc.insight import render

    unpublished = json.loads(render.sarif_report([]))["runs"][0]["tool"]["driver"]["rules"]
    assert not any("helpUri" in rule for rule in unpublished), "no address is made up"
    monkeypatch.setattr(render, "manual_site", lambda: "https://ivrc.example.com/manual")
    published = json.loads(render.sarif_report([]))["runs"][0]["tool"]["driver"]["rules"]
    assert {rule["id"]: rule["helpUri"] for rule in published}[
        "dangling-goto"
    ] == "https://ivrc.example.com/manual/rules/dangling-goto/"
    assert all(rule["helpUri"].startswith("https://") for rule in published)
