"""The language server's incremental parse gives what a whole parse gives, edit after edit,
and parses again only the blocks an edit changed."""

from __future__ import annotations

from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from ivrc.language.incremental import Reuse, parse_reusing
from ivrc.language.parser import parse

FLOWS = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.ivr"))]
PIECES = [
    "{",
    "}",
    '"',
    "#",
    ";",
    "\n",
    "\r\n",
    " ",
    'step x { say "y" }\n',
    "region IL",
    "goto ",
    "on 1 -> hangup\n",
    "}{",
    '"}"',
    "# }\n",
    "é",
    "\t",
]


@st.composite
def edit_sequences(draw) -> tuple[str, list[str]]:
    text = draw(st.sampled_from(FLOWS))
    versions = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        text = text[:start] + draw(st.sampled_from(PIECES) | st.text(max_size=4)) + text[end:]
        versions.append(text)
    return versions[0], versions


@settings(max_examples=300, deadline=None)
@given(edit_sequences())
def test_edits_parse_as_a_whole_parse_does(case):
    _, versions = case
    reuse = Reuse()
    for text in versions:
        assert parse_reusing(text, reuse, "x.ivr") == parse(text, "x.ivr")


def test_only_the_edited_block_is_parsed_again():
    text = next(f for f in FLOWS if f.count("\nstep ") >= 4)
    reuse = Reuse()
    first = parse_reusing(text, reuse)
    assert reuse.reused == 0 and first.flow is not None
    blocks = len(first.flow.items)
    edited = text.replace("step ", "step  ", 1).replace('say "', 'say "Hello, ', 1)
    again = parse_reusing(edited, reuse)
    assert again == parse(edited)
    assert reuse.reused == blocks - 1, "one block changed; the others were moved, not parsed"


def test_blocks_that_share_a_line_fall_back_to_a_whole_parse():
    text = 'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\nstep a { say "x" } step b { say "y" }\n'
    reuse = Reuse()
    assert parse_reusing(text, reuse) == parse(text)
    assert reuse.blocks == {}, "nothing was cut, so nothing is kept"
