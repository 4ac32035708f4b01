"""`ivrc listen`: every example rendered to WAV, and the audio itself checked against the call's
timeline: its length (within 5%), speech where a prompt is, silence where a wait or a silence
is, and each pressed key's two tones at its place (a Goertzel filter on each frequency)."""

from __future__ import annotations

import array
import io
import json
import math
import os
import subprocess
import sys
import wave

import pytest
from conftest import EXAMPLES

from ivrc.running.listen import DTMF, RATE, TONE_SECONDS

CALLS = [
    ("age_gate.ivr", "35,1", ()),
    ("appointment_reminder.ivr", "9,1", ()),
    ("delivery_notice.ivr", "", ()),
    ("personal_reminder.ivr", "2", ("--recipients", str(EXAMPLES / "personal_reminder.csv"), "--row", "1")),
    ("satisfaction_survey.ivr", "7,4,timeout,3", ()),
    ("white_rabbit.ivr", "1,timeout,2", ()),
    ("marketing/offer.ivr", "9", ("--recipients", str(EXAMPLES / "marketing" / "people.csv"), "--row", "2")),
]


def test_every_example_is_listened_to():
    flows = {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.ivr")}
    assert flows == {flow for flow, _, _ in CALLS}


def _ivrc(*args: str, path: str | None = None) -> subprocess.CompletedProcess[bytes]:
    environment = dict(os.environ) | ({"PATH": path} if path is not None else {})
    return subprocess.run([sys.executable, "-m", "ivrc", *args], capture_output=True, env=environment, timeout=300)


def _goertzel(samples: array.array, frequency: float) -> float:
    coefficient = 2 * math.cos(2 * math.pi * frequency / RATE)
    before = earlier = 0.0
    for sample in samples:
        before, earlier = sample + coefficient * before - earlier, before
    return before * before + earlier * earlier - coefficient * before * earlier


def _rms(samples: array.array) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


@pytest.mark.parametrize(("flow", "keys", "extra"), CALLS)
def test_each_example_sounds_as_its_timeline_says(flow, keys, extra, tmp_path):
    out = tmp_path / "call.wav"
    args = [str(EXAMPLES / flow), "--keys", keys, *extra]
    done = _ivrc("listen", *args, "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    timeline = json.loads(_ivrc("simulate", *args, "--timing", "--format", "json").stdout)
    with wave.open(str(out)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, RATE)
        samples = array.array("h", audio.readframes(audio.getnframes()))
    total = timeline["total_seconds"]
    assert abs(len(samples) / RATE - total) <= 0.05 * total
    for part in timeline["timeline"]:
        window = samples[round(part["start"] * RATE) : round(part["end"] * RATE)]
        if part["type"] in ("prompt", "play", "invalid") and part["end"] > part["start"]:
            assert _rms(window) > 300, part  # speech, not silence
        elif part["type"] in ("wait", "timeout"):
            assert _rms(window) < 1, part
        elif part["type"] == "key":
            for number, key in enumerate(part["text"]):
                start = round((part["start"] + number * 0.25) * RATE)
                tone = samples[start : start + round(TONE_SECONDS * RATE)]
                powers = {f: _goertzel(tone, f) for f in (697, 770, 852, 941, 1209, 1336, 1477)}
                low, high = DTMF[key]
                others = max(p for f, p in powers.items() if f not in (low, high))
                assert min(powers[low], powers[high]) > 20 * others, (part, key)


def test_mixed_hebrew_and_english_is_spoken_in_both(tmp_path):
    flow = tmp_path / "mixed.ivr"
    flow.write_text(
        'region IL\nsimple_dialer "mixed" {\n    leg_a "054-600-0000"\n    say "שלום Dana, התור שלך ב-Tuesday"\n}\n',
        encoding="utf-8",
    )
    assert _ivrc("listen", str(flow), "-o", str(tmp_path / "mixed.wav")).returncode == 0
    timeline = json.loads(_ivrc("simulate", str(flow), "--timing", "--format", "json").stdout)
    from ivrc.running.timing import rendered

    hebrew_only = rendered("שלום, התור שלך ב-", "female")
    assert timeline["total_seconds"] > hebrew_only  # the English words are spoken too


def test_wav_to_stdout_and_no_engine(tmp_path):
    done = _ivrc("listen", str(EXAMPLES / "delivery_notice.ivr"), "-o", "-")
    assert done.returncode == 0 and done.stdout[:4] == b"RIFF"
    with wave.open(io.BytesIO(done.stdout)) as audio:
        assert audio.getnframes() > 0
    bare = _ivrc(
        "listen",
        str(EXAMPLES / "delivery_notice.ivr"),
        "-o",
        str(tmp_path / "x.wav"),
        path=os.path.dirname(sys.executable),
    )
    assert bare.returncode == 2 and b"apt-get install espeak-ng" in bare.stderr
    assert not (tmp_path / "x.wav").exists()
