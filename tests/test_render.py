"""The text rendering of diagnostics: rustc's layout, right under the user's own line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ivrc.insight import render
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity


def _diag(line: int, column: int, end_column: int, help: str | None = None) -> Diagnostic:  # noqa: A002
    return Diagnostic(
        "dangling-goto", Severity.ERROR, "no such step", Span(line, column, line, end_column), help, "f.ivr"
    )


def test_layout_with_help():
    source = "step a {\n    on 1 -> goto b\n}\n"
    assert render.text(_diag(2, 18, 19, "did you mean `a`?"), source) == (
        "f.ivr:2:18: error[dangling-goto]: no such step\n"
        "  |\n"
        "2 |     on 1 -> goto b\n"
        "  |                  ^\n"
        "  = help: did you mean `a`?"
    )


def test_underline_under_hebrew_and_wide_text():
    line = 'say "שלום 世界" x'
    out = render.text(_diag(1, 16, 17), line).splitlines()
    # Hebrew letters are one column wide, CJK ideographs two.
    assert out[3] == "  | " + " " * (15 + 2) + "^"


def test_tabs_and_control_characters_keep_the_underline_aligned():
    out = render.text(_diag(1, 3, 4), "\t\x01x").splitlines()
    assert out[2] == "1 |     \ufffdx"
    assert out[3] == "  |      ^"


def test_a_very_long_line_is_shown_as_a_window():
    line = "a" * 5000 + "XYZ" + "b" * 5000
    out = render.text(_diag(1, 5001, 5004), line).splitlines()
    assert len(out[2]) < 300
    shown, marks = out[2][4:], out[3][4:]
    assert shown[marks.index("^") : marks.index("^") + 3] == "XYZ"
    assert shown.startswith("…") and shown.endswith("…")


def test_span_beyond_the_text_still_renders():
    assert render.text(_diag(9, 1, 2), "one line").splitlines() == ["f.ivr:9:1: error[dangling-goto]: no such step"]


def test_summary():
    warning = Diagnostic("unused-placeholder", Severity.WARNING, "m", Span(1, 1, 1, 2))
    assert render.summary([], 3) == "All checks passed (3 files)."
    assert render.summary([_diag(1, 1, 2), _diag(1, 1, 2), warning], 1) == "Found 2 errors, 1 warning in 1 file."


def test_colour_codes_only_when_asked():
    assert "\x1b[" not in render.text(_diag(1, 1, 2), "x")
    assert "\x1b[1;31m" in render.text(_diag(1, 1, 2), "x", colour=True)


def _excerpt_char_by_char(line: str, start: int, end: int) -> tuple[str, str]:
    """The excerpt worked out one character at a time, as for any line (the reference)."""
    end = max(end, start + 1)
    shown = [render._shown(c) for c in line]
    pad = sum(sum(render._width(c) for c in s) for s in shown[:start])
    marks = sum(sum(render._width(c) for c in s) for s in shown[start:end]) or 1
    return "".join(shown).rstrip(), " " * pad + "^" * marks


@given(st.text(alphabet=' \t{}";abc1\x7f', max_size=70), st.integers(0, 80), st.integers(0, 80))
def test_an_ascii_line_is_underlined_as_one_worked_out_char_by_char(line, start, end):
    """A line of printable ASCII (most lines) takes a shorter way: the same excerpt."""
    assert render.excerpt(line, start, end) == _excerpt_char_by_char(line, start, end)
