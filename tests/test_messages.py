"""Messages that say what happened: a step that is not an object is the schema's finding alone, a
script's initials stay initials, a file name with a newline stays on its line, and a file that
cannot be read at all is named without a place in it."""

from __future__ import annotations

import json

import ivrc

REQUEST = {
    "return_address": "https://example.com/r",
    "numbers_from_queue": "true",
    "ivr": {"count_steps": 1, "have_dependency": "false", "steps": [5]},
}


def test_a_step_that_is_not_an_object_is_not_a_dialer_without_steps():
    found = ivrc.lint(json.dumps(REQUEST), path="request.json")
    assert [(d.rule, d.message) for d in found] == [("schema-violation", "`ivr/steps/0` must be an object, not 5")]


def test_cjk_is_written_as_its_initials():
    found = ivrc.lint('step a {\n    say "你好"\n    on 1 -> hangup\n}\n', path="a.ivr")
    assert any("has CJK letters" in d.message for d in found), [d.message for d in found]


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path, ivrc_cli):
    folder = tmp_path / "two\nlines"
    folder.mkdir()
    (folder / "a.ivr").write_text('step a {\n    say "hi"\n    on 1 -> goto nowhere\n}\n', encoding="utf-8")
    done = ivrc_cli("lint", str(folder / "a.ivr"))
    first = done.stdout.splitlines()[0]
    assert first.startswith(str(tmp_path) + "/two\\nlines/a.ivr:1:1: error[missing-request]"), first


def test_a_missing_file_is_named_without_a_line_and_column(tmp_path, ivrc_cli):
    done = ivrc_cli("lint", "nowhere.ivr", cwd=tmp_path)
    assert done.stdout.splitlines()[0] == "nowhere.ivr: error[unreadable-file]: no such file or folder"
    (tmp_path / "bad.ivr").write_bytes(b"ok\n\xff")
    placed = ivrc_cli("lint", "bad.ivr", cwd=tmp_path)
    assert placed.stdout.splitlines()[0] == "bad.ivr:2:1: error[unreadable-file]: not UTF-8 text (byte 0xff)"
