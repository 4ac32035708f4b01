"""The README stays true: its rule table, its commands and its examples."""

from __future__ import annotations

import re

from conftest import ROOT

import ivrc
from ivrc.checks import RULES

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_registry():
    rows = re.findall(r"^\| `([a-z-]+)` \| (error|warning|info) \| (.+) \|$", README, flags=re.M)
    assert rows == [(rule.name, rule.severity.value, rule.summary) for rule in RULES]


def test_quick_start_commands():
    assert "pip install . && ivrc compile examples/white_rabbit.ivr" in README
    assert "pip install -e '.[test]' && pytest" in README
    assert (ROOT / "examples" / "white_rabbit.ivr").is_file()


def test_language_samples_in_the_readme_compile():
    blocks = re.findall(r"```ivr\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        if not re.search(r"^\s*(simple_)?dialer\b", block, flags=re.M):
            block += '\nregion IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'
        assert [d for d in ivrc.lint(block) if d.severity.value != "info"] == []


def test_the_language_sample_is_the_white_rabbit_example():
    example = (ROOT / "examples" / "white_rabbit.ivr").read_text(encoding="utf-8")
    assert f"```ivr\n{example}```" in README


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
    assert "(docs/api-notes.md)" in README


def test_no_test_reads_outside_the_repository():
    """A clean clone alone must pass: no test names a path above the repository."""
    for path, text in _project_texts().items():
        if path.startswith("tests/") and path.endswith(".py"):
            outside = ("ROOT" + ".parent", "\x22../")
            assert not any(pattern in text for pattern in outside), path
