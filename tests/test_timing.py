"""How long a call takes: each prompt's spoken length from espeak-ng, an estimate within 25% of
it where espeak-ng is not installed, and `ivrc simulate --timing`'s timeline and total."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import EXAMPLES
from hypothesis import given
from hypothesis import strategies as st

import ivrc
from ivrc.language.speech import estimate, runs
from ivrc.running.simulate import spoken
from ivrc.running.timing import KEY_SECONDS, rendered, timeline

TEXTS = [
    "Thank you, goodbye",
    "Press 1 to confirm your appointment, 2 to cancel, or 3 to speak with the clinic",
    "לחץ 1 לאישור התור, 2 לביטול, או 3 לשיחה עם המרפאה",
    "תודה רבה ולהתראות",
    "Нажмите 1, чтобы подтвердить, 2, чтобы отменить",
    "Спасибо, до свидания",
    "שלום Dana, התור שלך ב-Tuesday בשעה 09:30",  # Hebrew with English words
]


def _prompts() -> list[str]:
    found = list(TEXTS)
    for flow in sorted(EXAMPLES.glob("*.ivr")):
        try:
            request = ivrc.compile(flow.read_text(encoding="utf-8"), path=str(flow))
        except ivrc.CompileError:
            continue  # a template flow: its prompts need a recipient
        found += [spoken(step.get("prompt")) for step in request.get("ivr", {}).get("steps", []) if step.get("prompt")]
        found += [request["sound"]] if request.get("tts") == "true" else []
    return [text for text in found if text.strip()]


def test_mixed_text_is_spoken_run_by_run_each_in_its_language():
    assert [language for language, _ in runs("שלום Dana, התור שלך ב-Tuesday")] == ["he", "en", "he", "en"]
    assert "".join(part for _, part in runs("שלום Dana, התור")) == "שלום Dana, התור"
    assert runs("1, 2, 3") == [("en", "1, 2, 3")] and runs("   ") == []


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_an_english_text_is_estimated_as_its_runs_say(text):
    """ASCII text skips the reading by runs; the estimate is the one the runs give."""
    from ivrc.language.speech import RATES

    expected = round(sum(RATES[lang][0] + len(part.strip()) / RATES[lang][1] for lang, part in runs(text)), 2)
    assert estimate(text) == expected


@pytest.mark.parametrize("text", _prompts())
def test_the_estimate_is_within_a_quarter_of_espeak_ng(text):
    assert shutil.which("espeak-ng"), "the timing tests need espeak-ng: apt-get install espeak-ng (.ci/run does)"
    measured = rendered(text, "female")
    assert abs(estimate(text) - measured) <= 0.25 * measured, (text, estimate(text), measured)


def test_a_timeline_counts_speech_keys_silences_and_waits():
    events = [
        {"type": "prompt", "step": "a", "text": "Thank you, goodbye", "voice": "female"},
        {"type": "key", "step": "a", "dtmf": "35"},
        {"type": "timeout", "step": "b", "seconds": 5},
        {"type": "wait", "step": "b", "seconds": 2},
        {"type": "play", "step": "b", "text": "hello.wav", "file": True},
        {"type": "invalid", "step": "b", "dtmf": "7", "text": "Sorry", "voice": "male"},
        {"type": "hangup", "step": "b"},
    ]
    moments, total = timeline(events, lambda text, gender: 1.5, lambda name: 3.0 if name == "hello.wav" else None)
    assert [(m.kind, m.start, m.end) for m in moments] == [
        ("prompt", 0.0, 1.5),
        ("key", 1.5, 1.5 + 2 * KEY_SECONDS),
        ("timeout", 2.0, 7.0),
        ("wait", 7.0, 9.0),
        ("recording", 9.0, 12.0),
        ("key", 12.0, 12.25),
        ("invalid", 12.25, 13.75),
    ]
    assert total == 13.75
    unknown, _ = timeline(events[4:5], lambda text, gender: 1.0)
    assert unknown[0].text == "hello.wav (length unknown)" and unknown[0].end == 0.0


def _simulate(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ) | ({"PATH": path} if path is not None else {})
    return subprocess.run(
        [sys.executable, "-m", "ivrc", "simulate", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def test_simulate_timing_says_when_each_part_starts_and_ends_and_the_total():
    flow = str(EXAMPLES / "age_gate.ivr")
    text = _simulate(flow, "--keys", "35,1", "--timing")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[-1].startswith("total: ") and "espeak-ng" in lines[-1]
    ends = [float(line.split("–")[1].split("s")[0]) for line in lines[:-1]]
    assert ends == sorted(ends) and f"total: {ends[-1]:.2f} s" in lines[-1]
    said = json.loads(_simulate(flow, "--keys", "35,1", "--timing", "--format", "json").stdout)
    assert said["total_seconds"] == said["timeline"][-1]["end"] == ends[-1]
    assert said["durations"] == "espeak-ng" and said["end"] == "hangup"
    # Without espeak-ng on the PATH: the estimate, and a word on how to get the spoken lengths.
    bare = _simulate(flow, "--keys", "35,1", "--timing", "--format", "json", path=os.path.dirname(sys.executable))
    estimated = json.loads(bare.stdout)
    assert estimated["durations"] == "estimated"
    missing = _simulate(flow, "--timing", "--recordings", "no-such-folder")
    assert missing.returncode == 2 and "--recordings no-such-folder: no such folder" in missing.stderr
    assert abs(estimated["total_seconds"] - said["total_seconds"]) <= 0.25 * said["total_seconds"]


def test_graph_timing_labels_each_step_with_its_spoken_length():
    from ivrc.language.speech import estimate

    done = subprocess.run(
        [sys.executable, "-m", "ivrc", "graph", str(EXAMPLES / "age_gate.ivr"), "--timing"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    said = round(estimate("Please type your age, then wait"))
    assert f"ask_age<br/>Please type your age, then wait<br/>(said in about {said} s)" in done.stdout
    plain = subprocess.run(
        [sys.executable, "-m", "ivrc", "graph", str(EXAMPLES / "age_gate.ivr")], capture_output=True, text=True
    )
    assert "said in about" not in plain.stdout


def test_the_report_can_label_each_step_with_its_spoken_length(tmp_path):
    flow, records = EXAMPLES / "satisfaction_survey.ivr", EXAMPLES / "satisfaction_survey.cdr.csv"
    out = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "ivrc", "report", str(flow), "--cdr", str(records), "--timing", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count("(said in about ") >= 3  # each step of the survey that speaks
