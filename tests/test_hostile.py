"""Hostile input, each case the minimal input that once crashed ivrc: huge numbers, deep nesting,
unicode digits, a request of the wrong types. Only CompileError may come out of the library,
and the command line answers with one clear message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_ivrc

import ivrc
from ivrc.build.library import analyze, request_of
from ivrc.insight import render
from ivrc.running.simulate import MAX_PROMPTS, run, scripted

NINES = "9" * 4301

CASES = {
    "max_retries of 4,301 digits": f"dialer {{ max_retries {NINES} }}",
    "retries of 4,301 digits": f"step a {{ retries {NINES} }}",
    "a range to 4,301 digits": f'step a {{ say "x"; on 0..{NINES} -> hangup }}',
    "a duration of 4,301 digits": f'simple_dialer {{ leg_a "3124567" say "x" ring_timeout {NINES}s }}',
    "a wait of 4,301 digits": f'region IL\ndialer {{ return_address "http://x/"; number "054-600-0000" }}\nstep a {{ say "x"; on 1 -> wait {NINES}s }}',
    "schedule 1e5000": '{"schedule":1e5000}',
    "cid_b 1e5000": '{"cid_b":1e5000}',
    "count_steps 1e5000": '{"ivr":{"count_steps":1e5000,"steps":0}}',
    "max_retries 1e1000000": '{"max_retries":1e1000000}',
    "max_retries as a numeric text of 5,000 digits": '{"return_address":"http://x/","max_retries":"'
    + "9" * 5000
    + '","ivr":{"steps":[]}}',
    "nested 1,000 deep": "[" * 1000 + "]" * 1000,
    "nested 1,000 deep, unbalanced": "[" * 1000,
    "objects nested 990 deep": '{"a":' * 990 + "1" + "}" * 990,
    "ivr a text": '{"ivr":"e"}',
    "steps a number": '{"ivr":{"steps":1}}',
    "count_steps NaN": '{"ivr":{"count_steps":"NaN"}}',
    "count_steps Infinity": '{"ivr":{"count_steps":"Infinity"}}',
    "count_steps 1e500": '{"ivr":{"count_steps":1e500}}',
    "max_retries -Inf": '{"ivr":{"steps":[]},"max_retries":"-Inf"}',
    "dtmf_ivr_retries -Infinity": '{"ivr":{"steps":[{"step_id":"a","dtmf_ivr_retries":"-Infinity"}]}}',
    "actions a number": '{"ivr":{"steps":[{"step_id":"a","actions":5}]}}',
    "params a number": '{"ivr":{"steps":[{"step_id":"a","dtmf_ivr":"1","actions":[{"key":"1","actions":[{"action":"play","params":5}]}]}]}}',
    "ivr empty": '{"ivr":{}}',
    "schedule 1e50 as a timestamp": '{"schedule":1e50,"schedule_type":"timestamp","ivr":{"steps":[]}}',
    "a timestamp in the year 10000": '{"schedule_type":"timestamp","schedule":253402300800.0,"return_address":"http://x/","number":"972501234567","ivr":{"steps":[]}}',
    "a dial_at in the year 10000 UTC": 'simple_dialer{leg_a "3124567" say "x" dial_at 9999-12-31T23:59-1400}',
    "a unicode digit beside a range": 'step a { say "x"; on "²" -> hangup; on 1..3 -> hangup }',
    "a unicode digit in a range": '{"return_address":"http://x/","number":"972501234567","ivr":{"steps":[{"step_id":"a","dtmf_ivr":"1","actions":[{"key":{"min":"²","max":"9"},"actions":[]}]}]}}',
}


def _path(text: str) -> str:
    return "case.json" if text.lstrip()[:1] in "{[" else "case.ivr"


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_only_compile_error_comes_out_of_the_library(text):
    path = _path(text)
    result = analyze(text, path=path)
    rendered = render.text_report([render.FileReport(path, text, result.diagnostics)])
    assert isinstance(rendered, str)
    json.loads(render.json_report([render.FileReport(path, text, result.diagnostics)]))
    for entry in (ivrc.compile, ivrc.fmt if path.endswith(".ivr") else ivrc.decompile):
        try:
            output = entry(text, path=path)
        except ivrc.CompileError as error:
            assert error.diagnostics and str(error)
        else:
            if isinstance(output, dict):
                ivrc.dumps(output)
    checked = request_of(text, path=path)
    if checked.request is not None:
        run(checked.request, scripted(["2", "1"]))


@pytest.mark.parametrize("name", ["max_retries 1e1000000", "schedule 1e5000", "nested 1,000 deep", "steps a number"])
def test_the_command_line_gives_one_clear_message(tmp_path, name):
    case = tmp_path / "case.json"
    case.write_text(CASES[name], encoding="utf-8")
    for command in (["lint", str(case)], ["simulate", str(case)], ["compile", str(case)]):
        result = run_ivrc(*command)
        assert result.returncode in (1, 2), result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_deep_nesting_is_a_syntax_error_at_its_place():
    found = ivrc.lint("[" * 70 + "]" * 70, path="deep.json")
    assert [(d.rule, d.line, d.column, d.message) for d in found] == [
        ("syntax-error", 1, 65, "the JSON nests deeper than 64 levels here")
    ]


def test_huge_numbers_are_findings_in_the_users_terms():
    assert [d.message for d in ivrc.lint(f"dialer {{ max_retries {NINES} }}") if d.rule == "value-out-of-range"] == [
        "`max_retries` is a number of more than 15 digits; the API allows 0 to 10000"
    ]
    ranges = [d.message for d in ivrc.lint(CASES["a range to 4,301 digits"]) if d.rule == "invalid-range"]
    assert ranges == ["range `0..999999999999…` has bounds of more than 15 digits; at most 10000 entries can be listed"]
    violations = [
        d.message
        for d in ivrc.lint(
            '{"schedule":1e5000,"return_address":"http://x/","number":"972501234567","ivr":{"count_steps":1,"steps":[{"step_id":"a","prompt":"x"}]}}',
            path="x.json",
        )
        if d.rule == "schema-violation"
    ]
    assert violations == ["`schedule` must be a whole number or null, not a number too large to hold"]


def test_a_call_that_never_ends_is_stopped():
    loop = {
        "return_address": "http://x/",
        "number": "972501234567",
        "max_retries": 100000000,
        "ivr": {
            "count_steps": 1,
            "have_dependency": "true",
            "steps": [
                {
                    "step_id": "a",
                    "prompt": "x",
                    "dtmf_ivr": "1",
                    "actions": [{"key": "1", "actions": [{"action": "goto", "params": {"step_id": "a"}}]}],
                }
            ],
        },
    }
    pressing = run(loop, lambda step: "1")
    assert pressing.end == "limit" and pressing.prompts == MAX_PROMPTS + 1
    silent = run(loop, scripted(["2"]))
    assert silent.end == "limit"
    assert sum(1 for e in silent.events if e["type"] == "prompt") == MAX_PROMPTS


def test_compile_of_an_error_free_json_request_is_the_request_as_the_service_reads_it():
    text = '{"return_address": "http://x/", "number": "+972521234567", "max_retries": "3", "ivr": {"count_steps": 1, "have_dependency": false, "steps": [{"step_id": "a", "prompt": "x"}]}}'
    request = ivrc.compile(text, path="x.json")
    assert request["max_retries"] == 3 and request["ivr"]["have_dependency"] == "false"
    error = ivrc.CompileError([])
    assert str(error) == "no request"


def test_decompile_never_changes_a_number_whatever_the_region():
    request = ivrc.compile('region US\ndialer { return_address "http://x/"; number "50000000" }\nstep a { say "x" }\n')
    written = ivrc.decompile(ivrc.dumps(request), region="IL")
    assert 'number         "+50000000"' in written
    assert ivrc.compile(written) == request


def test_a_number_whose_digits_would_read_back_as_another_is_an_error():
    # Found by the fuzzer: `00053-000-0000` in IL (no country code after the international
    # prefix 00) was an unallocated number that compiled to 97200530000000; decompiled, it read
    # back as 9720530000000, another number to dial.
    flow = 'region IL\ndialer { return_address "http://x/"; number "054-600-0000" }\nstep a {\n    say "x"\n    on 1 -> call "00053-000-0000" cli "054-600-0001"\n}\n'
    found = [(d.rule, d.severity.value, d.line, d.column, d.message) for d in ivrc.lint(flow)]
    assert found == [
        (
            "invalid-phone-number",
            "error",
            5,
            18,
            "`00053-000-0000` cannot be a phone number in IL: it has zeros after its country code (+972) that a number sent as digits cannot keep",
        )
    ]
    with pytest.raises(ivrc.CompileError):
        ivrc.compile(flow)
    assert [d.rule for d in ivrc.lint(flow.replace('"00053-000-0000"', '"+97200530000000"'))] == [
        "invalid-phone-number"
    ]


@pytest.mark.parametrize(
    "source",
    [
        'region IL\ndialer { return_address "http://x/"; number "054-600-0000"; cli ""; dtmf "" }\nstep a { say "x"; invalid say ""; on 1 -> hangup }\n',
        'region IL\nsimple_dialer { leg_a "054-600-0000" cli "" dtmf ""; say "x"; leg_b "054-600-0001" cli "" dtmf "" }\n',
    ],
)
def test_empty_texts_come_back_as_they_were_written(source):
    request = ivrc.compile(source)
    assert "" in request.values() or any(
        v == "" for step in request.get("ivr", {}).get("steps", []) for v in step.values()
    )
    assert ivrc.compile(ivrc.decompile(ivrc.dumps(request), region="IL")) == request


def test_decompile_reports_what_lint_reports_where_it_cannot_write():
    bad_range = '{"return_address":"http://x/","number":"972521234567","ivr":{"count_steps":1,"steps":[{"step_id":"a","prompt":"x","dtmf_ivr":"1","actions":[{"key":{"min":"1","max":"9#"},"actions":[]}]}]}}'
    with pytest.raises(ivrc.CompileError) as raised:
        ivrc.decompile(bad_range, region="IL")
    assert [(d.rule, d.line, d.column, d.message) for d in raised.value.diagnostics] == [
        ("invalid-range", 1, 148, "range `1..9#` is not numeric")
    ]
    no_leg = '{"cid_a":"0501234567","sound":"x","tts":"true"}'
    with pytest.raises(ivrc.CompileError) as raised:
        ivrc.decompile(no_leg, region="IL")
    assert [d.rule for d in raised.value.diagnostics] == ["missing-number"]
    extra = '{"leg_a":"0501234567","sound":"x","tts":"true","cid_b":"0501234567"}'
    with pytest.raises(ivrc.CompileError) as raised:
        ivrc.decompile(extra, region="IL")
    assert all("972" not in d.message for d in raised.value.diagnostics), "values are shown as the request writes them"


def test_an_unexpected_exception_is_one_line_and_exit_3(tmp_path):
    import subprocess
    import sys

    script = "import ivrc.launch, ivrc.build.library\ndef boom(*a, **k):\n    raise KeyError('x')\nivrc.build.library.analyze = boom\nivrc.launch.main()\n"
    flow = tmp_path / "a.ivr"
    flow.write_text("step a {}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", script, "lint", str(flow)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stderr.startswith("ivrc: internal error (KeyError): this is a bug in ivrc")
    assert 'please report it as the README\'s "Reporting a bug" says' in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    debug = subprocess.run(
        [sys.executable, "-c", script, "lint", str(flow)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "IVRC_DEBUG": "1"},
    )
    assert "Traceback" in debug.stderr


def test_the_bug_line_names_the_tracker_the_package_declares_and_the_readme_says_what_to_send():
    from ivrc.launch import where_to_report

    assert (
        where_to_report(["Homepage, https://example.org/", "Bug Tracker, https://example.org/ivrc/issues"])
        == "at https://example.org/ivrc/issues"
    )
    assert where_to_report(["Issues,https://example.org/i"]) == "at https://example.org/i"
    assert (
        where_to_report(["Homepage, https://example.org/", "Issues, not a link"])
        == 'as the README\'s "Reporting a bug" says'
    )
    assert where_to_report([]) == 'as the README\'s "Reporting a bug" says'
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Reporting a bug\n", 1)[1]
    assert "IVRC_DEBUG=1" in section and "[project.urls] Issues" in section and "phone numbers" in section


def test_a_time_no_date_can_be_written_for_is_an_error_and_decompile_says_so():
    text = '{"schedule_type":"timestamp","schedule":253402300800,"return_address":"http://x/","number":"972501234567","ivr":{"count_steps":1,"steps":[{"step_id":"a","prompt":"x"}]}}'
    assert [d.rule for d in ivrc.lint(text, path="x.json") if d.severity.value == "error"] == ["invalid-time"]
    with pytest.raises(ivrc.CompileError, match="outside the years 1 to 9999"):
        ivrc.decompile(text)
    # The last second of the year 9999 is still a time.
    assert "at 9999-12-31T23:59:59Z" in ivrc.decompile(text.replace("253402300800", "253402300799"))


def test_a_lookalike_letter_leaves_the_whole_file_checks_running():
    text = (
        'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'
        'step menu {\n    say "x"\n    on 1 -> goto аnnouncement_ru\n    on 2 -> goto nowhere\n}\n'
        'step announcement_ru { say "привет" }\nstep lonely { say "y" }\n'
    )
    found = [(d.rule, d.line, d.column) for d in ivrc.lint(text)]
    # The letter is named, and the checks of the whole file read the goto in Latin letters: the
    # step it means is reached, the other goto dangles, and `lonely` is unreachable.
    assert found == [("syntax-error", 5, 18), ("dangling-goto", 6, 18), ("unreachable-step", 9, 6)]
    with pytest.raises(ivrc.CompileError):
        ivrc.compile(text)
    # A lookalike inside a text is speech, not a name: it is left as written.
    assert "привет" in ivrc.fmt(text.replace("аnnouncement_ru\n", "announcement_ru\n", 1))
