"""How long a text takes to say, estimated without a speech engine: the time espeak-ng takes,
fitted per language on the bundled flows' prompts, as a start-up and a rate of characters a
second. A text that mixes scripts (Hebrew with English words) is spoken run by run, each in its
language; digits and punctuation belong to the run they sit in. The checks (`long-prompt`), the
timeline of a call and the language server's hover use it."""

from __future__ import annotations

import re

# language: (seconds before the first word, characters a second), as espeak-ng speaks them.
RATES = {"en": (0.38, 16.9), "he": (0.52, 15.0), "ru": (0.30, 14.9)}
_SCRIPT = re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]+|[\u0400-\u04ff]+|[A-Za-z]+")


def runs(text: str) -> list[tuple[str, str]]:
    """The text as (language, part) runs: Hebrew letters, Cyrillic letters, Latin letters; what
    is between letters of one script goes with them."""
    found: list[tuple[str, str]] = []
    start = 0
    for match in _SCRIPT.finditer(text):
        first = match.group()[0]
        language = "he" if "\u0590" <= first <= "\u05ff" or first >= "\ufb1d" else "ru" if first >= "\u0400" else "en"
        if found and found[-1][0] == language:
            found[-1] = (language, found[-1][1] + text[start : match.end()])
        elif found:
            found.append((language, text[start : match.end()]))
        else:
            found.append((language, text[: match.end()]))
        start = match.end()
    if not found:
        return [("en", text)] if text.strip() else []
    found[-1] = (found[-1][0], found[-1][1] + text[start:])
    return found


def estimate(text: str) -> float:
    """Seconds to say `text`, without a speech engine."""
    if text.isascii():  # one English run, or nothing to say: as `runs` reads it, without its regex
        start, rate = RATES["en"]
        said = text.strip()
        return round(start + len(said) / rate, 2) if said else 0.0
    total = 0.0
    for language, part in runs(text):
        start, rate = RATES[language]
        total += start + len(part.strip()) / rate
    return round(total, 2)
