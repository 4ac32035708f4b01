"""The README and the manual stay true: the rule pages, the commands and the examples."""

from __future__ import annotations

import re

from conftest import ROOT

import ivrc
from ivrc.checks import RULES

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
MANUAL = {path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8") for path in sorted(DOCS.rglob("*.md"))}
LANGUAGE = MANUAL["language.md"]


def test_the_rule_pages_are_made_from_the_rules_own_documentation():
    """`docs/rules/` is what `docs/gen_rules.py` writes: run it after changing a rule's docs."""
    import runpy

    made = runpy.run_path(str(DOCS / "gen_rules.py"))["pages"]()
    committed = {path.name: path.read_text(encoding="utf-8") for path in (DOCS / "rules").glob("*.md")}
    assert committed == made, "run `python docs/gen_rules.py`"
    rows = re.findall(
        r"^\| \[`([a-z-]+)`\]\(([a-z-]+)\.md\) \| (error|warning|info) \| (.+) \|$", made["index.md"], flags=re.M
    )
    assert rows == [(rule.name, rule.name, rule.severity.value, rule.summary) for rule in RULES]
    assert all(f"## {section}" in made[f"{rule.name}.md"] for rule in RULES for section in ("What it does", "Example"))


def test_quick_start_commands():
    assert "pip install . && ivrc compile examples/white_rabbit.ivr" in README
    assert "pip install -e '.[test]' && pytest" in README
    assert (ROOT / "examples" / "white_rabbit.ivr").is_file()


def test_language_samples_in_the_readme_and_the_manual_compile():
    pages = [README, *(text for name, text in MANUAL.items() if not name.startswith("rules/"))]
    blocks = [block for text in pages for block in re.findall(r"```ivr\n(.*?)```", text, flags=re.S)]
    assert blocks
    for block in blocks:
        if not re.search(r"^\s*(simple_)?dialer\b", block, flags=re.M):
            block += '\nregion IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'
        found = [d for d in ivrc.lint(block) if d.severity.value != "info"]
        assert found == [] or block.count("goto slaes") == 1, (block, found)  # the tour's typo, on purpose


def test_the_language_sample_is_the_white_rabbit_example():
    example = (ROOT / "examples" / "white_rabbit.ivr").read_text(encoding="utf-8")
    assert f"```ivr\n{example}```" in LANGUAGE


def _project_texts() -> dict[str, str]:
    """Every text file the project tracks, by path: the README, docs, code, tests, examples."""
    suffixes = {".py", ".md", ".toml", ".lark", ".ivr", ".ivrtest", ".yaml", ".json"}
    skip = {".git", ".venv", "build", "dist", "__pycache__", ".hypothesis"}
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted(ROOT.rglob("*"))
        if path.suffix in suffixes and path.is_file() and not skip & set(path.relative_to(ROOT).parts)
    }


def test_the_api_notes_are_the_projects_own_and_every_citation_exists():
    notes = (ROOT / "docs" / "api-notes.md").read_text(encoding="utf-8")
    numbered = {int(n) for n in re.findall(r"^(\d+)\. \*\*", notes, flags=re.M)}
    assert numbered == set(range(1, len(numbered) + 1))
    cited: set[int] = set()
    for path, text in _project_texts().items():
        assert "SPEC" + "-NOTES" not in text, f"{path} cites a file the repository does not have"
        for group in re.findall(r"api-notes ((?:\d+(?:-\d+)?(?:, | and )?)+)", text):
            for part in re.findall(r"\d+(?:-\d+)?", group):
                low, _, high = part.partition("-")
                cited.update(range(int(low), int(high or low) + 1))
    assert cited and cited <= numbered
    assert "(api-notes.md)" in MANUAL["service.md"]


def test_the_manual_builds_strictly(tmp_path):
    """`mkdocs build --strict` builds every page, and a broken link fails it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "rules" / "dangling-goto" / "index.html").is_file()
    broken = ROOT / "docs" / "broken-link-probe.md"
    try:
        broken.write_text("# Probe\n\n[a page that is not there](nowhere.md)\n", encoding="utf-8")
        failed = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "again")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        broken.unlink()
    assert failed.returncode != 0 and "nowhere.md" in failed.stdout + failed.stderr


def test_the_readme_is_a_landing_page():
    assert len(README.splitlines()) <= 250
    for page in ("getting-started.md", "language.md", "commands.md", "personal-campaigns.md", "rules/index.md"):
        assert f"(docs/{page})" in README, page


def test_no_test_reads_outside_the_repository():
    """A clean clone alone must pass: no test names a path above the repository."""
    for path, text in _project_texts().items():
        if path.startswith("tests/") and path.endswith(".py"):
            outside = ("ROOT" + ".parent", "\x22../")
            assert not any(pattern in text for pattern in outside), path


def _speed_table(text: str) -> list[str]:
    lines = text.split("\n")
    start = lines.index("| measure | script | measured | goal |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def test_the_readme_s_speed_table_is_the_manual_s_with_a_command_on_every_row():
    manual = (ROOT / "docs" / "speed.md").read_text(encoding="utf-8")
    table = _speed_table(README)
    assert table == _speed_table(manual) and len(table) >= 15
    for row in table[2:]:
        for script in row.split(" | ")[1].split(", "):
            name = script.strip("`").split()[0]
            assert (ROOT / "benchmarks" / name).is_file(), row
