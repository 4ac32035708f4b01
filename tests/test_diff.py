"""`ivrc diff`: what a change does to a call, in text, JSON and Markdown, and as git's diff driver."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import EXAMPLES, run_ivrc

BASE = """region IL

dialer "menu-1" {
    return_address "https://example.com/r"
    numbers from queue
    cli "03-123-4567"
    max_retries 2
}

step menu {
    say "Press 1 for sales or 2 for support"
    timeout 5s

    on 1 -> goto sales
    on 2 -> goto support
}

step sales {
    say "Our sales team will call you back"

    on 0 -> hangup
}

step support {
    say "Support is open until six"

    on 0 -> hangup
}
"""


def _diff(tmp_path, new: str, *options: str, old: str = BASE) -> subprocess.CompletedProcess[str]:
    (tmp_path / "old.ivr").write_text(old, encoding="utf-8")
    (tmp_path / "new.ivr").write_text(new, encoding="utf-8")
    return run_ivrc("diff", "old.ivr", "new.ivr", *options, cwd=tmp_path)


def _changes(tmp_path, new: str, old: str = BASE) -> list[tuple[str, str, str | None, str | None]]:
    result = _diff(tmp_path, new, "--format", "json", old=old)
    assert result.returncode == 0, result.stderr
    return [(c["kind"], c["where"], c["old"], c["new"]) for c in json.loads(result.stdout)["changes"]]


def test_formatting_comments_and_order_are_no_change(tmp_path):
    reformatted = (
        BASE.replace('    say "Press', '  # the main menu\n      say   "Press')
        .replace("    timeout 5s\n", "")
        .replace('    say "Press 1 for sales or 2 for support"\n', '    say "Press 1 for sales or 2 for support"\n')
    )
    reformatted = reformatted.replace("step menu {\n", "step menu {\n    timeout 5s\n")
    result = _diff(tmp_path, reformatted, "--exit-code")
    assert result.returncode == 0, result.stdout
    assert result.stdout == "old.ivr → new.ivr: no change for a caller\n"


def test_a_key_route_changed(tmp_path):
    changed = BASE.replace("on 2 -> goto support", "on 2 -> goto sales")
    assert ("route", "step menu: on 2", "goto support", "goto sales") in _changes(tmp_path, changed)
    result = _diff(tmp_path, changed)
    assert "  step menu: on 2: goto support → goto sales" in result.stdout


def test_routes_added_and_removed(tmp_path):
    changed = BASE.replace("    on 2 -> goto support\n", "    on 3 -> hangup\n")
    changes = _changes(tmp_path, changed)
    assert ("route-removed", "step menu: on 2", "goto support", None) in changes
    assert ("route-added", "step menu: on 3", None, "hangup") in changes


def test_a_prompt_changed_word_by_word(tmp_path):
    changed = BASE.replace("Press 1 for sales or 2 for support", "Press 1 for sales, or 2 for help")
    result = _diff(tmp_path, changed)
    assert '  step menu: say: "Press 1 for [-sales-] {+sales,+} or 2 for [-support"-] {+help"+}' in result.stdout
    markdown = _diff(tmp_path, changed, "--format", "markdown").stdout
    assert '- `step menu: say`: "Press 1 for ~~sales~~ **sales,** or 2 for ~~support"~~ **help"**' in markdown


def test_settings_changed_added_and_removed(tmp_path):
    changed = BASE.replace("max_retries 2", "max_retries 3").replace("    timeout 5s\n", "    retries 4\n")
    changes = _changes(tmp_path, changed)
    assert ("setting", "dialer: max_retries", "2", "3") in changes
    assert ("setting", "step menu: timeout", "5s", None) in changes
    assert ("setting", "step menu: retries", None, "4") in changes


def test_a_rename_is_found_by_content(tmp_path):
    changed = BASE.replace("step sales", "step sales_desk").replace("goto sales\n", "goto sales_desk\n")
    assert _changes(tmp_path, changed) == [("step-renamed", "step sales", "sales", "sales_desk")]
    assert "  step sales: renamed to sales_desk, otherwise unchanged" in _diff(tmp_path, changed).stdout


def test_a_renamed_and_changed_step_is_removed_and_added(tmp_path):
    changed = BASE.replace('step sales {\n    say "Our sales', 'step sales_desk {\n    say "The sales').replace(
        "goto sales\n", "goto sales_desk\n"
    )
    changes = _changes(tmp_path, changed)
    assert ("step-removed", "step sales", "sales", None) in changes and (
        "step-added",
        "step sales_desk",
        None,
        "sales_desk",
    ) in changes


def test_newly_unreachable_steps(tmp_path):
    changed = BASE.replace("on 2 -> goto support", "on 2 -> goto sales")
    assert ("unreachable", "step support", None, "no call reaches it") in _changes(tmp_path, changed)
    # A step that no call reached before is not news.
    assert not any(
        kind == "unreachable"
        for kind, *_ in _changes(tmp_path, changed.replace("max_retries 2", "max_retries 3"), old=changed)
    )


def test_order_of_a_sequential_flow_matters(tmp_path):
    survey = (EXAMPLES / "satisfaction_survey.ivr").read_text(encoding="utf-8")
    intro = survey[survey.index("step intro") : survey.index("step service")]
    moved = survey.replace(intro, "") + "\n" + intro
    changes = _changes(tmp_path, moved, old=survey)
    assert changes == [
        ("step-order", "steps", "intro, service, callback, goodbye", "service, callback, goodbye, intro")
    ]


def test_region_and_request(tmp_path):
    changed = BASE.replace("region IL", "region GB").replace('"menu-1"', '"menu-2"')
    changes = _changes(tmp_path, changed)
    assert ("region", "region", "IL", "GB") in changes
    assert ("request", "request", 'dialer "menu-1"', 'dialer "menu-2"') in changes


def test_exit_code_on_change(tmp_path):
    changed = BASE.replace("max_retries 2", "max_retries 3")
    assert _diff(tmp_path, changed).returncode == 0
    assert _diff(tmp_path, changed, "--exit-code").returncode == 1


def test_a_flow_that_does_not_parse(tmp_path):
    result = _diff(tmp_path, "step {")
    assert result.returncode == 1
    assert "new.ivr: does not parse, so it cannot be compared" in result.stderr and "Traceback" not in result.stderr


def test_wrong_argument_counts_and_missing_files(tmp_path):
    assert "give two flows" in run_ivrc("diff", "a.ivr", cwd=tmp_path).stderr
    missing = run_ivrc("diff", "a.ivr", "b.ivr", cwd=tmp_path)
    assert missing.returncode == 2 and "a.ivr" in missing.stderr and "Traceback" not in missing.stderr


@pytest.fixture
def repository(tmp_path):
    """A real git repository with the flow committed, and `ivrc diff` as its diff driver for *.ivr."""
    if shutil.which("git") is None:
        pytest.fail("git is needed (installed by .ci/run)")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", env=env, check=False
        )

    git("init", "-q")
    # The two lines the manual gives (docs/diff.md), with this interpreter in place of an installed `ivrc`.
    (tmp_path / ".gitattributes").write_text("*.ivr diff=ivr\n", encoding="utf-8")
    git("config", "diff.ivr.command", f"{sys.executable} -m ivrc diff")
    (tmp_path / "menu.ivr").write_text(BASE, encoding="utf-8")
    git("add", ".")
    assert git("commit", "-qm", "menu").returncode == 0
    return tmp_path, git


def test_git_diff_driver(repository):
    folder, git = repository
    (folder / "menu.ivr").write_text(BASE.replace("on 2 -> goto support", "on 2 -> hangup"), encoding="utf-8")
    shown = git("diff")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "a/menu.ivr → b/menu.ivr: 2 changes for a caller",
        "  step menu: on 2: goto support → hangup",
        "  step support: no call reaches it now",
    ]
    # Reformatting only: git sees changed lines, the driver no change for a caller.
    (folder / "menu.ivr").write_text(BASE.replace("    timeout 5s\n", "    timeout   5s\n"), encoding="utf-8")
    assert git("diff").stdout == "a/menu.ivr → b/menu.ivr: no change for a caller\n"
    assert "timeout   5s" in git("diff", "--no-ext-diff").stdout


def test_git_driver_for_added_and_unparsable_files(repository):
    folder, git = repository
    (folder / "new.ivr").write_text(BASE.replace('"menu-1"', '"menu-9"'), encoding="utf-8")
    git("add", "new.ivr")
    added = git("diff", "--cached")
    assert added.returncode == 0 and "a/new.ivr → b/new.ivr" in added.stdout and "step menu: added" in added.stdout
    (folder / "menu.ivr").write_text("step {\n", encoding="utf-8")
    broken = git("diff", "menu.ivr")
    assert broken.returncode == 0, broken.stderr
    assert "+step {" in broken.stdout and "does not parse; showing the lines that changed" in broken.stderr


def test_git_revision_paths(repository):
    folder, git = repository
    (folder / "menu.ivr").write_text(BASE.replace("max_retries 2", "max_retries 5"), encoding="utf-8")
    result = run_ivrc("diff", "git:HEAD:menu.ivr", "menu.ivr", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "git:HEAD:menu.ivr → menu.ivr: 1 change for a caller",
        "  dialer: max_retries: 2 → 5",
    ]
    wrong = run_ivrc("diff", "git:HEAD:nothing.ivr", "menu.ivr", cwd=folder)
    assert wrong.returncode == 2 and "git:HEAD:nothing.ivr" in wrong.stderr and "Traceback" not in wrong.stderr
    assert "write git:REVISION:PATH" in run_ivrc("diff", "git:HEAD", "menu.ivr", cwd=folder).stderr


def test_a_flow_with_syntax_errors_is_not_compared_by_what_parsed(tmp_path):
    # Recovery keeps the statements that parsed; the diff must not call the rest "removed".
    result = _diff(tmp_path, BASE.replace("step sales {", "step sales {{"))
    assert result.returncode == 1 and "new.ivr: does not parse" in result.stderr and result.stdout == ""


def test_a_flag_added_shows_no_empty_value(tmp_path):
    result = _diff(tmp_path, BASE, old=BASE.replace("    numbers from queue\n", ""))
    assert "  dialer: numbers from queue: added\n" in result.stdout
