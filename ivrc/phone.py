"""Reading phone numbers as people write them, per api-notes 14."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

Status = Literal["valid", "unallocated", "impossible", "local"]

_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "there is no such country code",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "its length fits no number of its country",
}


# What people write in a number besides digits.
_WRITTEN = set("0123456789+-(). ")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a written number means: `digits` is country code and national number, no `+`."""

    status: Status
    digits: str | None = None
    region: str | None = None
    reason: str = ""


def supported_region(code: str) -> bool:
    return code.upper() in phonenumbers.SUPPORTED_REGIONS


def read(text: str, region: str | None) -> Reading:
    """International forms (`+1 415…`, `972…`) need no region; local forms (`054-…`) do."""
    written = text.strip()
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
        if best is None or (best.status == "impossible" and reading.status == "unallocated"):
            best = reading
    assert best is not None
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
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return Reading("impossible", digits, where, reason="it lacks an area code")
    if phonenumbers.is_valid_number(number):
        return Reading("valid", digits, where)
    return Reading("unallocated", digits, where, reason="it is outside the numbering plan known for its country")


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
        if metadata is None:
            return None
        return digits if len(digits) - size in metadata.general_desc.possible_length else None
    return None
