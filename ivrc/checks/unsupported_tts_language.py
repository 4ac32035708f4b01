"""unsupported-tts-language: text to speech in a script other than Hebrew, Latin or Cyrillic."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, spoken

NAME = "unsupported-tts-language"
SEVERITY = Severity.WARNING

SUPPORTED = ("HEBREW", "LATIN", "CYRILLIC")


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds spoken text (prompts, `play`, `invalid`, a simple dialer's `say`) with letters
    outside the Hebrew, Latin and Cyrillic scripts, such as Arabic or Chinese.

    Why is this bad?
    The service speaks Hebrew, English and Russian only (api-notes 23). Other letters
    are skipped or mangled, and the caller hears nonsense or silence. Use a recording
    for other languages.

    Example
    ```
    step hello {
        say "مرحبا، اضغط 1"
    }
    ```

    Use instead
    ```
    step hello {
        say file "hello_arabic.wav"
    }
    ```
    """
    seen: dict[str, tuple[int, int, str] | None] = {}  # prompts repeat from step to step
    for prompt, _ in spoken(model):
        for text in prompt.texts:
            found = seen[text.value] if text.value in seen else seen.setdefault(text.value, foreign_letters(text.value))
            if found is not None:
                start, end, script = found
                yield Diagnostic(
                    NAME,
                    SEVERITY,
                    f"text to speech speaks Hebrew, English and Russian; this text has {script} letters",
                    text.part(start, end),
                    "record the message and use `say file` / `play file`, or write it in a supported language",
                )


def _script(char: str) -> str | None:
    if not unicodedata.category(char).startswith("L"):
        return None  # digits, punctuation, spaces and marks are read in any script
    name = unicodedata.name(char, "")
    word = name.split(" ")[0]
    # A script's name as people write it: Arabic, Hangul; the initials of CJK as initials.
    fallback = (word if word in _INITIALS else word.title()) or "unknown"
    return next((s for s in SUPPORTED if name.startswith(s)), fallback)


_INITIALS = frozenset({"CJK"})


# Blocks whose every character is a letter of a supported script or no letter at all (the
# Latin ones less ª, µ and º, which Unicode names apart), so a text of them alone needs no
# look at each character. A test holds every character of them to `_script`.
SPOKEN_BLOCKS = (
    "\x00-\xa9\xab-\xb4\xb6-\xb9\xbb-\u02af\u0300-\u036f\u0400-\u052f\u0590-\u05ff\u1e00-\u1eff"
    "\u2000-\u206f\u20a0-\u20cf\ufb1d-\ufb4f"
)
_SPOKEN = re.compile(f"[{SPOKEN_BLOCKS}]*")


def foreign_letters(text: str) -> tuple[int, int, str] | None:
    """The first run of letters in an unsupported script: start, end and the script's name."""
    if text.isascii() or _SPOKEN.fullmatch(text):
        return None  # Latin, Hebrew and Cyrillic letters, digits and punctuation: all spoken
    for start, char in enumerate(text):
        script = _script(char)
        if script is not None and script not in SUPPORTED:
            end = start
            while end < len(text) and (_script(text[end]) in (None, script)) and not text[end].isspace():
                end += 1
            return start, end, script
    return None
