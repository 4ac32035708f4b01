"""The flow interpreter against api-notes 5-11 and 19, and `ivrc simulate` as a user runs it."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import EXAMPLES, ROOT, run_ivrc

import ivrc
from ivrc.running.simulate import parse_keys, run, scripted

HEAD = 'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'


def simulate(request: dict, keys: list[str | None]):
    return run(request, scripted(keys))


def flow(body: str) -> dict:
    return ivrc.compile(HEAD + body)


def kinds(call) -> list[str]:
    return [e["type"] for e in call.events]


def steps_entered(call) -> list[str]:
    return [e["step"] for e in call.events if e["type"] == "prompt" and e["attempt"] == 1]


def test_spec_5_dependency_mode_enters_the_first_step_and_follows_gotos():
    request = flow('step a { say "A"; on 1 -> goto c }\nstep b { say "B" }\nstep c { say "C"; on 2 -> hangup }\n')
    call = simulate(request, ["1", "2"])
    assert steps_entered(call) == ["a", "c"]
    assert call.end == "hangup"


def test_spec_5_sequential_mode_runs_steps_in_order_and_ignores_goto():
    request = flow('step a { say "A"; on 1 -> play "one" }\nstep b { say "B" }\nstep c { say "C" }\n')
    request["ivr"]["steps"][0]["actions"][0]["actions"].append({"action": "goto", "params": {"step_id": "c"}})
    assert request["ivr"]["have_dependency"] == "false"
    call = simulate(request, ["1"])
    assert steps_entered(call) == ["a", "b", "c"]
    goto = next(e for e in call.events if e["type"] == "goto")
    assert goto["ignored"] is True
    assert call.end == "end-of-flow"


def test_spec_6_the_service_stops_at_the_smaller_of_count_steps_and_steps():
    request = flow('step a { say "A" }\nstep b { say "B" }\nstep c { say "C" }\n')
    request["ivr"]["count_steps"] = 2
    assert steps_entered(simulate(request, [])) == ["a", "b"]
    request["ivr"]["count_steps"] = 9
    assert steps_entered(simulate(request, [])) == ["a", "b", "c"]


def test_spec_7_dtmf_ivr_as_string_or_array_and_multi_key_entries():
    request = flow('step a { say "A"; on 10 -> hangup; on 1 -> goto a }\n')
    assert request["ivr"]["steps"][0]["dtmf_ivr"] == ["10", "1"]
    assert simulate(request, ["10"]).end == "hangup", '"10" is one entry: 1 then 0'
    single = flow('step a { say "A"; on 0 -> hangup }\n')
    assert single["ivr"]["steps"][0]["dtmf_ivr"] == "0"
    assert simulate(single, ["0"]).end == "hangup"


def test_spec_8_ranges_are_inclusive_numeric_and_a_lone_key_is_its_own():
    request = flow(
        'step age { say "Age"; on 10..12 -> mark custom "teen"; on 13 -> mark custom "thirteen"; on 14..17 -> mark custom "teen" }\n'
    )
    for entry, value in (("10", "teen"), ("12", "teen"), ("13", "thirteen"), ("17", "teen")):
        call = simulate(request, [entry])
        assert [e["value"] for e in call.events if e["type"] == "mark"] == [value]
    assert simulate(request, ["18", None, None, None]).end == "no-input", "18 is outside every range"
    padded = flow('step code { say "Code"; on 00..09 -> hangup }\n')
    assert simulate(padded, ["05"]).end == "hangup"


def test_spec_9_a_list_without_an_ending_ends_the_call_in_dependency_mode():
    request = flow(
        'step a { say "A"; on 1 -> play "one"; on 2 -> goto b; on 3 {} }\nstep b { say "B"; on 1 -> hangup }\n'
    )
    assert simulate(request, ["1"]).end == "end-of-flow"
    assert steps_entered(simulate(request, ["1"])) == ["a"]
    request["ivr"]["steps"][0]["actions"][2]["actions"] = None  # null behaves as empty
    assert simulate(request, ["3"]).end == "end-of-flow"


def test_spec_9_and_the_next_step_starts_in_sequential_mode():
    request = flow('step a { say "A"; on 1 -> play "one" }\nstep b { say "B"; on 2 -> hangup }\n')
    call = simulate(request, ["1", "2"])
    assert steps_entered(call) == ["a", "b"]
    assert call.end == "hangup"


def test_spec_10_waits_are_rounded_up():
    request = flow('step a { say "A"; on 1 { wait 0.5s; wait 2s; wait 2.1s; hangup } }\n')
    call = simulate(request, ["1"])
    assert [e["seconds"] for e in call.events if e["type"] == "wait"] == [1, 2, 3]
    assert call.seconds == 6


def test_spec_11_placeholders_are_filled_and_an_unfilled_one_is_said_as_written():
    # undefined-placeholder is an error by default; a team that wants it sent anyway lowers it.
    from ivrc.language.config import Config
    from ivrc.language.diagnostics import Severity

    lowered = Config(severity={"undefined-placeholder": Severity.WARNING})
    request = ivrc.compile(
        HEAD + 'step a { say "Hi $name$, on $day$ at $4$" with name = "Dana", day = "Monday" }\n', config=lowered
    )
    prompt = simulate(request, []).events[0]
    assert prompt["text"] == "Hi Dana, on Monday at $4$"


def test_spec_19_marks_go_into_the_step_report():
    request = flow(
        'step a { say "A"; on 1 { mark custom "hot-lead"; goto b } }\nstep b { say "B"; on 9 { mark remove; hangup } }\n'
    )
    request["unique_id"] = "campaign-1"
    call = simulate(request, ["1", "9"])
    assert call.report == {
        "steps": [
            {"dtmf": "1", "step_name": "a", "mark": "custom", "value": "hot-lead"},
            {"dtmf": "9", "step_name": "b", "mark": "remove"},
        ],
        "invalid": [],
        "unique_id": "campaign-1",
    }


def test_invalid_keys_play_the_invalid_text_and_retry_up_to_the_step_retries():
    request = flow('step a { say "A"; retries 1; invalid say "Wrong"; on 1 -> hangup }\n')
    call = simulate(request, ["5", "6"])
    assert kinds(call) == ["prompt", "invalid", "prompt", "invalid", "end"]
    assert call.events[1]["text"] == "Wrong"
    assert call.end == "no-input"
    assert call.report["invalid"] == [{"dtmf": "5", "step_name": "a"}, {"dtmf": "6", "step_name": "a"}]
    assert simulate(request, ["5", "1"]).end == "hangup"


def test_retries_default_to_max_retries_and_timeouts_use_the_step_timeout():
    request = ivrc.compile(
        HEAD.replace("numbers from queue", "numbers from queue; max_retries 2")
        + 'step a { say "A"; timeout 4s; on 1 -> hangup }\n'
    )
    call = simulate(request, [])
    assert kinds(call) == ["prompt", "timeout", "prompt", "timeout", "prompt", "timeout", "end"]
    assert {e["seconds"] for e in call.events if e["type"] == "timeout"} == {4}
    assert call.end == "no-input"


def test_call_bridges_and_ends():
    request = flow('step a { say "A"; on 1 -> call "054-600-0000" cli "03-000-0000" dtmf "w1" }\n')
    call = simulate(request, ["1"])
    assert call.events[-2] == {
        "type": "call",
        "time": 0,
        "step": "a",
        "number": "972546000000",
        "cli": "97230000000",
        "dtmf": "w1",
    }
    assert call.end == "call"


def test_simple_dialer_plays_then_bridges_or_hangs_up():
    request = ivrc.compile((EXAMPLES / "delivery_notice.ivr").read_text(encoding="utf-8"))
    call = simulate(request, [])
    assert kinds(call) == ["prompt", "call", "end"]
    request.pop("leg_b")
    assert simulate(request, []).end == "hangup"


def test_json_requests_in_the_wild_spelling_simulate_the_same():
    request = flow('step a { say "A"; on 1 -> goto b }\nstep b { say "B"; on 2 -> hangup }\n')
    wild = json.loads(json.dumps(request))
    wild["ivr"]["have_dependency"] = True
    wild["ivr"]["count_steps"] = "2"
    assert simulate(wild, ["1", "2"]).as_json() == simulate(request, ["1", "2"]).as_json()


def test_keys_option_syntax():
    assert parse_keys("1, 11,timeout,,#") == ["1", "11", None, None, "#"]


def test_cli_json_output_has_events_report_and_end():
    result = run_ivrc("simulate", str(EXAMPLES / "white_rabbit.ivr"), "--keys", "1,2", "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"events", "report", "end"}
    assert {e["type"] for e in out["events"]} <= {
        "prompt",
        "play",
        "wait",
        "key",
        "invalid",
        "timeout",
        "goto",
        "call",
        "mark",
        "hangup",
        "end",
    }
    assert out["end"] == "hangup"
    assert out["report"]["steps"] == [{"dtmf": "1", "step_name": "foo"}, {"dtmf": "2", "step_name": "bar"}]


def test_cli_text_transcript():
    result = run_ivrc("simulate", str(EXAMPLES / "age_gate.ivr"), "--keys", "35,1")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "step ask_age:",
        "  says (female voice): Please type your age, then wait",
        "  caller presses 35",
        "  goes to step offer",
        "step offer:",
        "  says (male voice): Welcome! Press 1 to hear today's offer, or 9 to stop receiving our calls",
        "  caller presses 1",
        "  plays (female voice): Today only: two tickets for the price of one",
        "  marks the number: custom offer-heard",
        "  hangs up",
        "the call ends: hangup",
    ]


def test_cli_simulates_a_json_request(tmp_path: Path):
    request = tmp_path / "r.json"
    request.write_text(
        (ROOT / "tests" / "requests" / "age_gate_teens.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out = json.loads(run_ivrc("simulate", str(request), "--keys", "13", "--format", "json").stdout)
    assert [e["text"] for e in out["events"] if e["type"] == "play"] == ["Happy Bar Mitzva"]


def test_cli_refuses_a_flow_with_errors(tmp_path: Path):
    broken = tmp_path / "broken.ivr"
    broken.write_text(HEAD + 'step a { say "A"; on 1 -> goto nowhere }\n', encoding="utf-8")
    result = run_ivrc("simulate", str(broken), "--keys", "1")
    assert result.returncode == 1
    assert "error[dangling-goto]" in result.stderr


def test_interactive_on_a_terminal():
    """Without --keys on a terminal, the simulator shows each prompt and reads the keys typed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: ivrc on the terminal's side
        os.execve(
            sys.executable,
            [sys.executable, "-m", "ivrc", "simulate", str(EXAMPLES / "white_rabbit.ivr")],
            {**os.environ, "NO_COLOR": "1"},
        )
    screen = b""

    def read_until(marker: bytes, seconds: float = 30) -> None:
        nonlocal screen
        deadline = time.monotonic() + seconds
        while marker not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    screen += os.read(fd, 4096)
                except OSError:
                    break

    read_until(b"[foo] keys")
    assert "says (female voice): לחץ על אחד".encode() in screen
    os.write(fd, b"1\r")
    read_until(b"[bar] keys")
    assert b"goes to step bar" in screen
    os.write(fd, b"2\r")
    read_until(b"the call ends: hangup")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"hangs up" in screen


def test_without_keys_or_terminal_the_caller_is_silent():
    result = subprocess.run(
        [sys.executable, "-m", "ivrc", "simulate", str(EXAMPLES / "white_rabbit.ivr")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("the call ends: no-input")
