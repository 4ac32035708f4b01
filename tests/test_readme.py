"""The README stays true: its rule table, its commands and its examples."""

from __future__ import annotations

import re

import ivrc
from conftest import ROOT
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
