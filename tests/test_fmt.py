"""`ivrc fmt`: one canonical layout; comments stay; meaning never changes; a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, SINGLE_REQUEST_EXAMPLES, run_ivrc
from hypothesis import given
from hypothesis import strategies as st
from test_decompile import dialer_requests, simple_requests
from test_properties import flows

import ivrc
from ivrc.language.printer import shape

MESSY = """\
# A header comment
region   IL
dialer   "x"{return_address "https://example.com/r" ;numbers from queue # trailing on a setting
cli "03-000-0000"
    max_retries 3}
# leads the step
step   menu{ # after the brace
  voice male;say "Hi \\"there\\"", "again"   # two texts


  timeout 3s
  on 1->goto menu   # back to the top
  on 2 { # a block comment
     play "one"
     # between actions
     hangup }
  on 3 { play "a"; wait 1s }  # trails the block
  # dangling at the end of the step
}
step "on"{say "reserved name";on 1->hangup}
# the end of the file
"""

CANONICAL = """\
# A header comment
region IL

dialer "x" {
    return_address "https://example.com/r"
    numbers from queue  # trailing on a setting
    cli            "03-000-0000"
    max_retries    3
}

# leads the step
step menu {  # after the brace
    voice male
    say "Hi \\"there\\"", "again"  # two texts

    timeout 3s

    on 1 -> goto menu  # back to the top
    on 2 {  # a block comment
        play "one"
        # between actions
        hangup
    }
    on 3 {
        play "a"
        wait 1s
    }  # trails the block
    # dangling at the end of the step
}

step "on" {
    say "reserved name"

    on 1 -> hangup
}

# the end of the file
"""


def test_messy_file_gets_the_canonical_layout():
    assert ivrc.fmt(MESSY) == CANONICAL


def test_canonical_layout_is_stable_and_means_the_same():
    assert ivrc.fmt(CANONICAL) == CANONICAL
    assert shape(ivrc.parse(CANONICAL)) == shape(ivrc.parse(MESSY))
    assert ivrc.compile(CANONICAL) == ivrc.compile(MESSY)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.ivr")), ids=lambda p: p.stem)
def test_examples_are_already_canonical(example):
    text = example.read_text(encoding="utf-8")
    assert ivrc.fmt(text) == text


def test_suppressions_still_hold_after_a_one_line_block_is_spread_out():
    source = 'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\nstep a { say "x"; on 1 { wait 0.5s; hangup }  # ivrc: ignore[sleep-rounded-up]\n}\n'
    assert ivrc.lint(source) == []
    assert ivrc.lint(ivrc.fmt(source)) == []


def test_syntax_errors_raise_and_leave_the_text_alone():
    with pytest.raises(ivrc.CompileError) as raised:
        ivrc.fmt("step {\n")
    assert raised.value.diagnostics[0].rule == "syntax-error"


def test_cli_rewrites_files_in_place(tmp_path: Path):
    flow = tmp_path / "flow.ivr"
    flow.write_text(MESSY, encoding="utf-8")
    result = run_ivrc("fmt", str(tmp_path))
    assert result.returncode == 0
    assert flow.read_text(encoding="utf-8") == CANONICAL
    assert result.stderr.strip() == "1 file reformatted, 0 left unchanged."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.ivr"], "no temporary file is left behind"
    again = run_ivrc("fmt", str(tmp_path))
    assert again.stderr.strip() == "0 files reformatted, 1 left unchanged."


def test_cli_check_lists_files_and_writes_nothing(tmp_path: Path):
    (tmp_path / "messy.ivr").write_text(MESSY, encoding="utf-8")
    (tmp_path / "tidy.ivr").write_text(CANONICAL, encoding="utf-8")
    result = run_ivrc("fmt", "--check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == f"would reformat {tmp_path / 'messy.ivr'}\n"
    assert (tmp_path / "messy.ivr").read_text(encoding="utf-8") == MESSY
    assert run_ivrc("fmt", "--check", str(tmp_path / "tidy.ivr")).returncode == 0


def test_cli_diff_prints_a_unified_diff(tmp_path: Path):
    flow = tmp_path / "flow.ivr"
    flow.write_text(MESSY, encoding="utf-8")
    result = run_ivrc("fmt", "--diff", str(flow))
    assert result.returncode == 0
    assert result.stdout.startswith(f"--- {flow} (original)\n+++ {flow} (formatted)\n@@")
    assert "+    numbers from queue  # trailing on a setting\n" in result.stdout
    assert flow.read_text(encoding="utf-8") == MESSY


def test_cli_leaves_a_file_with_syntax_errors_untouched(tmp_path: Path):
    broken = tmp_path / "broken.ivr"
    broken.write_text("step   a {\n  on 1 -> goto\n}\n", encoding="utf-8")
    result = run_ivrc("fmt", str(tmp_path))
    assert result.returncode == 1
    assert f"{broken}:3:1: error[syntax-error]: expected a step name after `goto`, found `}}`" in result.stderr
    assert broken.read_text(encoding="utf-8") == "step   a {\n  on 1 -> goto\n}\n"


comment_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=15).map(
    lambda t: "# " + t.replace("\n", " ")
)


@st.composite
def commented_flows(draw):
    """Generated flows with comments at the ends of random lines and on lines of their own."""
    lines = draw(flows()).split("\n")
    out = []
    for line in lines:
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(comment_texts))
        out.append(line + ("  " + draw(comment_texts) if line.strip() and draw(st.integers(0, 3)) == 0 else ""))
    return "\n".join(out)


@given(commented_flows())
def test_fmt_is_idempotent_and_keeps_meaning_and_comments(source):
    formatted = ivrc.fmt(source)
    assert ivrc.fmt(formatted) == formatted
    before, after = ivrc.parse(source), ivrc.parse(formatted)
    assert shape(after) == shape(before)
    assert [c.text.rstrip() for c in after.comments] == [c.text.rstrip() for c in before.comments]
    assert ivrc.compile(formatted) == ivrc.compile(source)


def test_an_unreadable_file_is_not_counted_as_unchanged(tmp_path):
    (tmp_path / "bin.ivr").write_bytes(b"\x89PNG\r\n")
    result = run_ivrc("fmt", "bin.ivr", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr
        == "ivrc: error: bin.ivr:1:1: not UTF-8 text (byte 0x89)\n0 files reformatted, 0 left unchanged, 1 could not be read.\n"
    )


def test_fmt_of_an_empty_folder_is_an_error(tmp_path):
    result = run_ivrc("fmt", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"ivrc: error: no .ivr files found in {tmp_path}\n"


OUT_OF_ORDER = """\
step menu {
    on 1 -> hangup  # one
    # about the retries
    retries 2
    say "Press 1"
    invalid say "Sorry"  # ivrc: ignore[unused-placeholder]
    voice male
}

dialer "x" {
    max_retries 3
    # where reports go
    return_address "https://example.com/r"
    numbers from queue
}
region IL
"""

IN_ORDER = """\
region IL

dialer "x" {
    # where reports go
    return_address "https://example.com/r"
    numbers from queue
    max_retries    3
}

step menu {
    voice male
    say "Press 1"
    # about the retries
    retries 2
    invalid say "Sorry"  # ivrc: ignore[unused-placeholder]

    on 1 -> hangup  # one
}
"""


def test_statements_move_into_the_one_canonical_order_with_their_comments():
    assert ivrc.fmt(OUT_OF_ORDER) == IN_ORDER
    assert ivrc.fmt(IN_ORDER) == IN_ORDER
    assert ivrc.compile(OUT_OF_ORDER) == ivrc.compile(IN_ORDER)


def _skeleton(text: str) -> list[str]:
    """A layout without its values: each line's first word, blank lines kept; comments,
    `region` and `keys` lines left out (decompile writes numbers in E.164 and derives keys)."""
    words = [line.split()[0] if line.strip() else "" for line in text.splitlines() if not line.strip().startswith("#")]
    return [w for w in words if w not in ("region", "keys")]


@pytest.mark.parametrize("example", SINGLE_REQUEST_EXAMPLES, ids=lambda p: p.stem)
def test_fmt_and_decompile_write_one_canonical_layout(example):
    text = example.read_text(encoding="utf-8")
    written = ivrc.decompile(ivrc.dumps(ivrc.compile(text)), region="IL")
    assert ivrc.fmt(written) == written  # fmt of decompile's output changes nothing
    hand = ivrc.fmt(
        "\n".join(line.split("  #")[0].rstrip() for line in text.splitlines() if not line.lstrip().startswith("#"))
        + "\n"
    )
    assert _skeleton(hand) == _skeleton(written)  # and a formatted flow is laid out as decompile writes it
    assert ivrc.decompile(ivrc.dumps(ivrc.compile(written, region="IL")), region="IL") == written


@given(st.one_of(dialer_requests(), simple_requests()))
def test_fmt_is_a_no_op_on_decompiled_requests(request):
    try:
        written = ivrc.decompile(json.dumps(request), region="IL")
    except ivrc.CompileError:
        return
    assert ivrc.fmt(written) == written
