"""How long a call takes, prompt by prompt: the spoken length of each text (from espeak-ng where
it is installed, else an estimate), each wait, each silence the caller leaves, each key pressed.

The estimate (`ivrc.language.speech`) is the time espeak-ng takes, fitted per language;
`tests/test_timing.py` holds it to espeak-ng within 25%."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivrc.language.speech import estimate, runs

KEY_SECONDS = 0.25  # a key's tone (0.15 s) and the pause after it, as a caller presses keys


def engine() -> str | None:
    return shutil.which("espeak-ng")


def voice(language: str, gender: str | None) -> str:
    """espeak-ng's voice for a language, female unless the flow asks for male (api-notes 23)."""
    return f"{language}+{'m3' if gender == 'male' else 'f3'}"


def synthesize(text: str, language: str, gender: str | None, out: Path) -> None:
    """One run of text, spoken by espeak-ng into a WAV file."""
    program = engine()
    if program is None:
        raise FileNotFoundError("espeak-ng")
    subprocess.run(
        [program, "-v", voice(language, gender), "-w", str(out), "--", text],
        check=True,
        capture_output=True,
        timeout=120,
    )


@functools.cache
def rendered(text: str, gender: str | None) -> float:
    """Seconds espeak-ng takes to say `text`, run by run."""
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="ivrc-speech-") as folder:
        for number, (language, part) in enumerate(runs(text)):
            out = Path(folder) / f"{number}.wav"
            synthesize(part, language, gender, out)
            with wave.open(str(out)) as audio:
                total += audio.getnframes() / audio.getframerate()
    return round(total, 2)


def speaker(use_engine: bool = True) -> Callable[[str, str | None], float]:
    """How long a text takes: espeak-ng's length where it is installed (and wanted), else the estimate."""
    if use_engine and engine() is not None:
        return rendered
    return lambda text, gender: estimate(text)


@dataclass(frozen=True)
class Moment:
    """A part of the call: when it starts and ends, and what it is."""

    start: float
    end: float
    kind: str  # prompt, play, recording, invalid, key, wait, timeout
    step: str | None
    text: str
    voice: str | None = None  # a spoken part's voice: female or male

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "type": self.kind, "step": self.step, "text": self.text}


def timeline(
    events: Iterable[dict[str, Any]],
    speak: Callable[[str, str | None], float],
    recording: Callable[[str], float | None] = lambda name: None,
) -> tuple[list[Moment], float]:
    """Each prompt, recording, key, wait and silence of a simulated call, one after another, and
    the call's length. A recording whose length is unknown counts as none (and says so)."""
    moments: list[Moment] = []
    now = 0.0

    def add(kind: str, seconds: float, step: str | None, text: str, voice: str | None = None) -> None:
        nonlocal now
        moments.append(Moment(round(now, 2), round(now + seconds, 2), kind, step, text, voice))
        now += seconds

    for event in events:
        kind, step = event["type"], event.get("step")
        if kind in ("prompt", "play") or (kind == "invalid" and event.get("text")):
            if kind == "invalid":
                add("key", KEY_SECONDS * max(len(str(event.get("dtmf", ""))), 1), step, str(event.get("dtmf", "")))
            text = str(event.get("text", ""))
            if event.get("file"):
                length = recording(text)
                unknown = "" if length is not None else " (length unknown)"
                add("recording" if kind != "invalid" else "invalid", length or 0.0, step, text + unknown)
            else:
                spoken_in = str(event.get("voice") or "female")  # the service's default voice (api-notes 23)
                add(kind, speak(text, spoken_in), step, text, spoken_in)
        elif kind == "invalid" or kind == "key":
            add("key", KEY_SECONDS * max(len(str(event.get("dtmf", ""))), 1), step, str(event.get("dtmf", "")))
        elif kind in ("wait", "timeout"):
            add(kind, float(event.get("seconds", 0)), step, "")
    return moments, round(now, 2)


def recording_lengths(folder: Path | None) -> Callable[[str], float | None]:
    """The length of each WAV recording in `folder`, by its name; None for one not there."""

    def length(name: str) -> float | None:
        if folder is None:
            return None
        try:
            with wave.open(str(folder / name)) as audio:
                seconds: float = audio.getnframes() / audio.getframerate()
            return round(seconds, 2)
        except (OSError, wave.Error, EOFError):
            return None

    return length
