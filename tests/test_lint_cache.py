"""`ivrc lint`'s cache: a run over unchanged files prints the same bytes in every format without
loading the parser, the numbering data or the schema validator; anything a finding depends on
that changes (a byte, the configuration, the recipients, the recordings folder, ivrc's version,
the clock for a file that names a moment) makes it check the file again; a damaged entry is a
miss; two processes at once are safe; git never sees the cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES

HEAVY = ("lark", "phonenumbers", "jsonschema", "jsonschema_rs")
PROBE = """
import sys
from ivrc.launch import main
sys.argv = ["ivrc", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stderr.write("\\nLOADED " + " ".join(sorted(m for m in {HEAVY} if m in sys.modules)) + "\\n")
sys.exit(code)
""".replace("{HEAVY}", repr(HEAVY))


def _lint(folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, str, list[str], int]:
    """Lint in a process of its own: what it printed, and which heavy modules it loaded."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")} | (env or {})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "lint", *args],
        cwd=folder, capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    err, _, loaded = done.stderr.rpartition("\nLOADED ")
    return done.stdout, err, loaded.split(), done.returncode


@pytest.fixture
def project(tmp_path):
    for flow in EXAMPLES.glob("*.ivr"):
        shutil.copy(flow, tmp_path / flow.name)
    shutil.copy(EXAMPLES / "personal_reminder.csv", tmp_path / "recipients.csv")
    (tmp_path / "ivrc.toml").write_text('region = "IL"\nrecipients = "recipients.csv"\n', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("form", ["text", "json", "sarif", "github", "gitlab"])
def test_a_warm_run_prints_the_same_bytes_without_loading_the_parser(project, form):
    cold = _lint(project, "--format", form, ".")
    assert set(cold[2]) >= {"lark", "phonenumbers"}
    warm = _lint(project, "--format", form, ".")
    assert warm[:2] == cold[:2] and warm[3] == cold[3]
    assert warm[2] == [], f"a warm run loaded {warm[2]}"
    assert (project / ".ivrc_cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_what_a_finding_depends_on_changing_makes_the_file_checked_again(project):
    flow = project / "age_gate.ivr"
    first = _lint(project, ".")
    assert _lint(project, ".")[2] == []
    # a changed byte
    flow.write_text(flow.read_text(encoding="utf-8").replace("goto offer", "goto ofer"), encoding="utf-8")
    changed = _lint(project, ".")
    assert "lark" in changed[2] and "dangling-goto" in changed[0] + changed[1]
    # the configuration
    assert _lint(project, ".")[2] == []
    (project / "ivrc.toml").write_text(
        'region = "IL"\nrecipients = "recipients.csv"\nignore = ["dangling-goto"]\n', encoding="utf-8"
    )
    configured = _lint(project, ".")
    assert "lark" in configured[2] and "dangling-goto" not in configured[0] + configured[1]
    # the recipients file a template flow uses
    assert _lint(project, ".")[2] == []
    with (project / "recipients.csv").open("a", encoding="utf-8") as people:
        people.write("not-a-number,Nobody,2026-12-01,14:00,03-000-0000\n")
    recipients = _lint(project, ".")
    assert "lark" in recipients[2] and recipients[0] + recipients[1] != first[0] + first[1]
    # the recordings folder, which decides missing-recording
    (project / "recordings").mkdir()
    assert _lint(project, "--recordings", "recordings", ".")[2] != []
    assert _lint(project, "--recordings", "recordings", ".")[2] == []
    (project / "recordings" / "hello.wav").write_bytes(b"RIFF")
    assert "lark" in _lint(project, "--recordings", "recordings", ".")[2]
    # the environment named
    (project / "ivrc.toml").write_text(
        'region = "IL"\nrecipients = "recipients.csv"\n[env.staging]\nbase_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    assert _lint(project, ".")[2] != [] and _lint(project, ".")[2] == []
    assert "lark" in _lint(project, ".", env={"IVRC_ENV": "staging"})[2]
    assert _lint(project, ".", env={"IVRC_ENV": "staging"})[2] == []


def test_another_version_of_ivrc_has_keys_of_its_own(project, monkeypatch):
    import ivrc
    from ivrc.cli.lint import settings
    from ivrc.insight.lint_cache import LintCache

    flow = project / "age_gate.ivr"
    cache = LintCache(None, True)
    config = settings(flow, None)
    key = cache.key(flow, flow.read_text(encoding="utf-8"), config, {}, None)
    monkeypatch.setattr(ivrc, "__version__", "99.0.0")
    assert cache.key(flow, flow.read_text(encoding="utf-8"), config, {}, None) != key
    assert "99.0.0" in str(cache._entry(config, "ab" * 32))


def test_a_damaged_entry_is_a_miss_and_is_written_again(project):
    cold = _lint(project, ".")
    entries = [p for p in (project / ".ivrc_cache").rglob("*.json") if not p.name.startswith("sarif")]
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2])
    damaged = _lint(project, ".")
    assert damaged[:2] == cold[:2] and "lark" in damaged[2]
    assert _lint(project, ".")[2] == []
    assert all(json.loads(entry.read_text(encoding="utf-8"))["key"] for entry in entries)


def test_two_processes_at_once_are_safe(project):
    for number in range(60):
        shutil.copy(project / "age_gate.ivr", project / f"copy{number:02d}.ivr")
    cold = _lint(project, "--no-cache", ".")
    command = [sys.executable, "-c", PROBE, "lint", "."]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")}
    runs = [
        subprocess.Popen(
            command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert all(out == cold[0] and err.rpartition("\nLOADED ")[0] == cold[1] for out, err in outputs)
    assert not list((project / ".ivrc_cache").rglob(".tmp-*"))
    assert _lint(project, ".")[:3] == (cold[0], cold[1], [])


def test_no_cache_keeps_nothing_and_the_folder_can_be_chosen(project, tmp_path_factory):
    _lint(project, "--no-cache", ".")
    assert not (project / ".ivrc_cache").exists()
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    _lint(project, "--cache-dir", str(elsewhere / "c"), ".")
    assert (elsewhere / "c" / "CACHEDIR.TAG").is_file() and not (project / ".ivrc_cache").exists()
    _lint(project, ".", env={"IVRC_CACHE_DIR": str(elsewhere / "e")})
    assert (elsewhere / "e" / ".gitignore").is_file()
    assert _lint(project, ".", env={"IVRC_CACHE_DIR": str(elsewhere / "e")})[2] == []


def test_git_never_sees_the_cache(project):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    _lint(project, ".")
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=project, capture_output=True, text=True
    )
    assert ".ivrc_cache" not in status.stdout and "age_gate.ivr" in status.stdout


def test_a_compliance_policy_keeps_nothing_and_a_moment_keeps_until_it_comes(project):
    marketing = project / "policy"
    marketing.mkdir()
    shutil.copy(project / "age_gate.ivr", marketing / "age_gate.ivr")
    (marketing / "ivrc.toml").write_text('[policy]\ncalling_hours = "09:00-20:00"\n', encoding="utf-8")
    _lint(marketing, ".")
    assert not list((marketing / ".ivrc_cache").rglob("??/*.json"))
    assert "lark" in _lint(marketing, ".")[2]
    # A moment one hour ahead: kept until then; one past: until the next minute.
    later = int(time.time()) + 3600
    flow = project / "moments.json"
    request = json.loads(
        (EXAMPLES.parent / "tests" / "requests" / "api_document_simple_test.json").read_text(encoding="utf-8")
    )
    flow.write_text(json.dumps(request | {"dial_at": later}), encoding="utf-8")
    _lint(project, "moments.json")
    (entry,) = [p for p in (project / ".ivrc_cache").rglob("*.json") if "moments.json" in p.read_text(encoding="utf-8")]
    assert json.loads(entry.read_text(encoding="utf-8"))["expires"] == later
    flow.write_text(json.dumps(request | {"dial_at": 1000}), encoding="utf-8")
    past = _lint(project, "moments.json")
    assert "schedule-in-past" in past[0] + past[1]
    kept = [json.loads(p.read_text(encoding="utf-8")) for p in (project / ".ivrc_cache").rglob("*.json")]
    expiries = [k["expires"] for k in kept if isinstance(k, dict) and "reports" in k and "dial_at" not in str(k)]
    assert any(e is not None and e % 60 == 0 and e > time.time() for e in expiries)
    # When its time has come, the entry is a miss: the file is checked again.
    for path in (project / ".ivrc_cache").rglob("*.json"):
        kept_entry = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(kept_entry, dict) and kept_entry.get("expires"):
            path.write_text(json.dumps(kept_entry | {"expires": time.time() - 1}), encoding="utf-8")
    assert "lark" in _lint(project, "moments.json")[2]


def test_fmt_check_knows_a_formatted_text_without_parsing_it_again(project):
    def check(*extra: str) -> tuple[str, str, list[str], int]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")}
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "fmt", "--check", *extra, "."],
            cwd=project, capture_output=True, text=True, env=environment, timeout=120,
        )  # fmt: skip
        err, _, loaded = done.stderr.rpartition("\nLOADED ")
        return done.stdout, err, loaded.split(), done.returncode

    cold = check()
    assert cold[3] == 0 and "lark" in cold[2]
    warm = check()
    assert warm[:2] == cold[:2] and warm[3] == 0 and warm[2] == []
    flow = project / "age_gate.ivr"
    flow.write_text(flow.read_text(encoding="utf-8").replace("    say", "  say", 1), encoding="utf-8")
    changed = check()
    assert changed[3] == 1 and "would reformat age_gate.ivr" in changed[0] and "lark" in changed[2]
    assert check("--no-cache")[2] != []


def test_json_of_other_tools_in_a_folder_is_kept_as_none_of_ivrcs_business(project):
    """Whether a JSON file found in a folder is a request is told with the findings, in the
    processes; kept, so that a warm run neither reads it again nor loads the parser. Named on
    the command line, the same file is checked as a request."""
    (project / "package.json").write_text('{"name": "site"}', encoding="utf-8")
    cold = _lint(project, ".")
    warm = _lint(project, ".")
    assert warm[:2] == cold[:2] and "package.json" not in cold[0] + cold[1]
    assert warm[2] == [], f"a warm run loaded {warm[2]}"
    named = _lint(project, "package.json")
    assert "missing-request" in named[0] and named[3] == 1
