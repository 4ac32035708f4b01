"""Reading phone numbers as people write them, per api-notes 14."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

# "misfit": a length that its country has, but that no number beginning like it has
# (`09-774-220`: Israeli numbers that begin 09 have 8 digits after the 0).
Status = Literal["valid", "unallocated", "misfit", "impossible", "local"]
# Of two readings (the region's, E.164's), the better; on a tie, the region's, which comes first.
_RANK = {"impossible": 0, "local": 0, "misfit": 1, "unallocated": 1, "valid": 2}

_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "there is no such country code",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "its length fits no number of its country",
}


# What people write in a number besides digits.
_WRITTEN = set("0123456789+-(). ")
# Format characters that text copied from a right-to-left spreadsheet or a web page carries
# around and inside numbers, unseen: bidi marks, embeddings and isolates, zero-width spaces and
# joiners, the BOM, and the no-break spaces. A number is read past them.
INVISIBLE = frozenset(
    "\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff\u00a0\u202f\u2007\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def invisible(text: str) -> list[str]:
    """The invisible format characters in a text, in order, as `U+200E LEFT-TO-RIGHT MARK`."""
    import unicodedata

    return [f"U+{ord(c):04X} {unicodedata.name(c, 'FORMAT CHARACTER')}" for c in text if c in INVISIBLE]


@dataclass(frozen=True, slots=True)
class Reading:
    """What a written number means: `digits` is country code and national number, no `+`."""

    status: Status
    digits: str | None = None
    region: str | None = None
    reason: str = ""


def supported_region(code: str) -> bool:
    from ivrc.language.regions import supported

    return supported(code)


def read(text: str, region: str | None, prefix_lengths: bool = True) -> Reading:
    """International forms (`+1 415…`, `972…`) need no region; local forms (`054-…`) do.
    With `prefix_lengths` false (as the service reads numbers), a length the country has is
    enough: a misfit is read as unallocated."""
    if text[:1] == "+":
        quick = _valid_e164(text)
        if quick is not None:
            return quick
    return _read_slowly(text, region, prefix_lengths)


# A run over many files reads the same numbers again and again (a clinic's, a caller id), and
# phonenumbers takes tens of microseconds a number: the last readings are kept.
@functools.lru_cache(maxsize=4096)
def _read_slowly(text: str, region: str | None, prefix_lengths: bool) -> Reading:
    written = "".join(c for c in text if c not in INVISIBLE).strip() if not INVISIBLE.isdisjoint(text) else text.strip()
    bare = "".join(c for c in written if c.isdigit())
    stray = next((c for c in written if c not in _WRITTEN), None)
    if stray is not None:
        return Reading("impossible", reason=f"a phone number has no `{stray}`")
    if not bare:
        return Reading("impossible", reason="it has no digits")
    candidates: list[str | None] = []
    if written.startswith("+"):
        candidates.append(None)
    else:
        if region:
            candidates.append(region)
        if not bare.startswith("0"):
            # E.164 written without its `+`; first, when it begins with the region's own
            # country code, as ivrc itself writes numbers (`972…` in IL).
            own_code = str(phonenumbers.country_code_for_region(region)) if region else None
            candidates.insert(0 if own_code and bare.startswith(own_code) else len(candidates), "+")
        elif not region:
            return Reading("local", reason="it is a local number and no region is set")
    best: Reading | None = None
    for candidate in candidates:
        reading = _try(written if candidate != "+" else "+" + bare, None if candidate == "+" else candidate)
        if reading.status == "valid":
            return reading
        if best is None or _RANK[reading.status] > _RANK[best.status]:
            best = reading
    assert best is not None
    if best.status == "misfit" and not prefix_lengths:
        return Reading("unallocated", best.digits, best.region, reason=_OUTSIDE)
    return best


def _try(text: str, region: str | None) -> Reading:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return Reading("impossible", reason="it cannot be read as a phone number")
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible not in (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return Reading("impossible", reason=_REASONS.get(possible, "it cannot be a phone number"))
    digits = phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")
    where = phonenumbers.region_code_for_number(number)
    if number.italian_leading_zero and not _reads_back(digits):
        # `00053-000-0000` in IL: no country code after the international prefix 00, so it
        # is read as an Israeli number with two leading zeros, +97200530000000, and those
        # digits, read again, are +9720530000000: no number can be sent as they are.
        return Reading(
            "impossible",
            reason=(
                f"it has zeros after its country code (+{number.country_code}) that a number sent as digits cannot keep"
            ),
        )
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return Reading("impossible", digits, where, reason="it lacks an area code")
    if phonenumbers.is_valid_number(number):
        return Reading("valid", digits, where)
    misfit = _misfit(number)
    if misfit:
        return Reading("misfit", digits, where, reason=misfit)
    return Reading("unallocated", digits, where, reason=_OUTSIDE)


def _reads_back(digits: str) -> bool:
    """Whether E.164 digits read again are the same digits. Leading zeros after the country
    code are the only way they can differ (phonenumbers keeps some and drops others)."""
    try:
        again = phonenumbers.parse("+" + digits, None)
    except NumberParseException:
        return False
    return phonenumbers.format_number(again, PhoneNumberFormat.E164) == "+" + digits


_OUTSIDE = "it is outside the numbering plan known for its country"
# The kinds of number a numbering plan lists, each with the pattern of its national numbers.
_KINDS = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


def _misfit(number: phonenumbers.PhoneNumber) -> str:
    """Why a number of a possible length is still of the wrong length, or "" when it is not:
    its first digits begin a kind of number of its country that is longer (too short), or
    they already make one whole (too long). A number whose first digits begin no kind at all
    is merely unallocated. Only an invalid number gets here, so its cost (a partial match of
    a few patterns) is never paid on a phone list of valid numbers."""
    import regex  # partial matching: could these digits begin a match?

    national = phonenumbers.national_significant_number(number)
    reasons = []
    code = number.country_code or 0
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if metadata is None or metadata.general_desc is None:
            continue
        longer: set[int] = set()  # lengths of the numbers its digits begin
        whole: set[int] = set()  # lengths at which its first digits already make a number
        for kind in _KINDS:
            desc = getattr(metadata, kind, None)
            if desc is None or not desc.national_number_pattern:
                continue
            lengths = [n for n in (desc.possible_length or metadata.general_desc.possible_length) if n > 0]
            pattern = regex.compile(f"(?:{desc.national_number_pattern})")
            whole.update(n for n in lengths if n < len(national) and pattern.fullmatch(national[:n]))
            if any(n > len(national) for n in lengths) and pattern.fullmatch(national, partial=True):
                longer.update(n for n in lengths if n > len(national))
        if not whole and not longer:
            continue  # nothing of this country begins like it (another sharing the code may)
        country = f"+{number.country_code}" if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY else region
        counted = f"(it has {len(national)}, not counting the country code or a leading 0)"
        if whole:
            reasons.append(
                f"it is too long for {country}, where numbers that begin like it have {max(whole)} digits {counted}"
            )
        else:
            reasons.append(
                f"it is too short for {country}, where numbers that begin like it have at least {min(longer)} digits "
                f"{counted}"
            )
    return reasons[0] if reasons else ""


def possible_e164(text: str) -> str | None:
    """The digits of an E.164 number written with or without `+` (`+972521234567`), when it
    could be a phone number: a country code, and a national number of a length that country
    has. None otherwise. A few microseconds, against tens for `read`: the path for phone lists
    of a million lines, where numbers are written in E.164 (as `ivrc deploy` sends them)."""
    digits = text[1:] if text.startswith("+") else text
    if not (digits.isascii() and digits.isdigit()) or digits.startswith("0") or not 7 <= len(digits) <= 15:
        return None
    for size in (1, 2, 3):  # country codes are prefix-free: the first one found is the one
        code = int(digits[:size])
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
        if not regions:
            continue
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
        if metadata is None or metadata.general_desc is None:
            return None
        return digits if len(digits) - size in metadata.general_desc.possible_length else None
    return None


def region_of(digits: str) -> str | None:
    """The main region of an E.164 number's country code (`1…`: US), or None."""
    for size in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size] or 0))
        if regions:
            return str(regions[0])
    return None


# ---- the common case at a few microseconds -----------------------------------------------

_E164 = re.compile(r"\+([1-9][0-9]{6,14})")


def _valid_e164(text: str) -> Reading | None:
    """A number written `+` and digits that its country's plan lists, read as `_try` reads it:
    its country code, a national number that matches the general pattern and one kind's, at a
    length each allows. None for anything else, which the full reading decides (the tests hold
    the two to the same answer on every number they have, and on random ones)."""
    written = _E164.fullmatch(text)
    if written is None:
        return None
    digits = written.group(1)
    for size in (1, 2, 3):  # country codes are prefix-free
        plan = _plan(int(digits[:size]))
        if plan is not None:
            break
    else:
        return None
    region, lengths, general, prefix, kinds = plan
    national = digits[size:]
    if national[:1] == "0" or (prefix is not None and prefix.match(national)):
        return None  # a national prefix phonenumbers may strip, or a leading zero it keeps: the full reading
    matcher = kinds.get(len(national))
    if (lengths and len(national) not in lengths) or matcher is None:
        return None
    if general.fullmatch(national) is None or matcher.fullmatch(national) is None:
        return None
    return Reading("valid", digits, region)


_Plan = tuple[str, frozenset[int], "re.Pattern[str]", "re.Pattern[str] | None", dict[int, "re.Pattern[str]"]]


@functools.cache
def _plan(code: int) -> _Plan | None:
    """A country's numbering plan as compiled matchers: its one region, the general pattern and
    lengths, its national prefix, and for each length the kinds of number that have it, as one
    pattern. None for a code of several regions (+1, +7, +44), which the full reading decides."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if not regions or len(regions) != 1 or regions[0] == "001":
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
    general = None if metadata is None else metadata.general_desc
    pattern = None if general is None else general.national_number_pattern
    if metadata is None or general is None or pattern is None:
        return None
    lengths = frozenset(general.possible_length or ())  # empty: any length; (-1,): none
    by_length: dict[int, list[str]] = {}
    for kind in _KINDS:
        desc = getattr(metadata, kind, None)
        if desc is None or desc.national_number_pattern is None:
            continue
        own = desc.possible_length or ()  # as phonenumbers reads them: empty, any length
        for length in (n for n in own if n > 0) if own else range(1, 18):
            by_length.setdefault(length, []).append(desc.national_number_pattern)
    prefix = metadata.national_prefix_for_parsing
    return (
        regions[0],
        lengths,
        re.compile(pattern),
        re.compile(prefix) if prefix else None,
        {length: re.compile("|".join(f"(?:{p})" for p in found)) for length, found in by_length.items()},
    )
