"""One simulated call as the callee hears it, as a WAV file: each prompt spoken by espeak-ng in
its language and the flow's voice, recordings from a folder, the two tones of each key pressed,
and silence for waits and for the time the caller leaves without a key. The parts follow the
call's timeline (`timing.timeline`), so the file is as long as the timeline says."""

from __future__ import annotations

import array
import math
import tempfile
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ivrc.language.speech import runs
from ivrc.running.timing import KEY_SECONDS, Moment, recording_lengths, rendered, synthesize, timeline

RATE = 22050  # espeak-ng's own rate: its speech is taken as it is
TONE_SECONDS = 0.15  # of KEY_SECONDS; the rest of a key is silence
# The standard pairs of frequencies (ITU-T Q.23): a key's row and column.
DTMF = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477),
}  # fmt: skip


def call_audio(events: Iterable[dict[str, Any]], recordings: Path | None) -> tuple[array.array[int], list[Moment]]:
    """The call's samples (16-bit, mono, RATE a second) and its timeline."""
    moments, _ = timeline(events, rendered, recording_lengths(recordings))
    samples: array.array[int] = array.array("h")
    for moment in moments:
        if moment.kind in ("prompt", "play", "invalid") and moment.voice is not None:
            samples.extend(_speech(moment.text, moment.voice))
        elif moment.kind in ("recording", "invalid"):
            samples.extend(_recording(recordings, moment.text))
        elif moment.kind == "key":
            for key in moment.text:
                samples.extend(tone(key))
        else:
            samples.extend(silence(moment.end - moment.start))
        # Each part takes the time the timeline gives it, to the sample.
        want = round(moment.end * RATE)
        if len(samples) < want:
            samples.extend(silence((want - len(samples)) / RATE))
        del samples[want:]
    return samples, moments


def write(samples: array.array[int], out: Any) -> None:
    """16-bit mono PCM WAV, to a path or a binary stream."""
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes(samples.tobytes())


def silence(seconds: float) -> array.array[int]:
    return array.array("h", bytes(2 * max(0, round(seconds * RATE))))


def tone(key: str) -> array.array[int]:
    """A key as a phone sends it: its two frequencies together, then a pause."""
    low, high = DTMF.get(key, (0, 0))
    count = round(TONE_SECONDS * RATE)
    sound = array.array(
        "h",
        (
            round(8000 * (math.sin(2 * math.pi * low * n / RATE) + math.sin(2 * math.pi * high * n / RATE)))
            for n in range(count)
        ),
    )
    sound.extend(silence(KEY_SECONDS - TONE_SECONDS))
    return sound


def _speech(text: str, gender: str | None) -> array.array[int]:
    samples: array.array[int] = array.array("h")
    with tempfile.TemporaryDirectory(prefix="ivrc-listen-") as folder:
        for number, (language, part) in enumerate(runs(text)):
            out = Path(folder) / f"{number}.wav"
            synthesize(part, language, gender, out)
            samples.extend(_read(out))
    return samples


def _recording(folder: Path | None, name: str) -> array.array[int]:
    if folder is None or name.endswith(" (length unknown)"):
        return array.array("h")
    return _read(folder / name)


def _read(path: Path) -> array.array[int]:
    """A WAV file as 16-bit mono samples at RATE: channels mixed, other rates resampled."""
    with wave.open(str(path)) as audio:
        channels, width, rate = audio.getnchannels(), audio.getsampwidth(), audio.getframerate()
        frames = audio.readframes(audio.getnframes())
    if width == 2:
        values = array.array("h", frames)
    elif width == 1:
        values = array.array("h", ((byte - 128) << 8 for byte in frames))
    else:  # 24 or 32 bits: the two bytes that matter
        top = range(width - 2, len(frames), width)
        values = array.array("h", (int.from_bytes(frames[i : i + 2], "little", signed=True) for i in top))
    if channels > 1:
        values = array.array("h", (sum(values[i : i + channels]) // channels for i in range(0, len(values), channels)))
    if rate == RATE:
        return values
    length = round(len(values) * RATE / rate)
    return array.array("h", (values[min(int(n * rate / RATE), len(values) - 1)] for n in range(length)))
