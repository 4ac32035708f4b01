"""What the service takes on the wire, as a JSON Schema: ivrc's request schemas, which describe
what ivrc writes, widened to what the service reads (api-notes 2, 3, 12): JSON booleans beside
"true" and "false", "Integer/String" numbers written as digits, `"dial_at": ""`, and a number
the document says is ignored (`leg_a` when `from_campaign` is "true", `number` when
`numbers_from_queue` is "true") left unchecked. Its bounds are the emulator's own: the tests hold
the served document and the emulator's answers to each other with Schemathesis."""

from __future__ import annotations

import copy
from typing import Any

from ivrc.build.from_json import BOOLEANS, EMPTY_IS_ABSENT, INTEGERS, NUMBERS

LATEST_TIME = 253402300799  # 9999-12-31T23:59:59Z: no later time can be written as a date
UNIQUE_ID = r"^[^/\\\x00-\x1f\x7f]{1,200}$"
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
_HOST = r"([A-Za-z0-9._~%!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])"
# An http(s) URL a report can be posted to: a host, a port that exists, and no space or control
# character anywhere (a NUL in it would stop the report at the moment of sending).
RETURN_ADDRESS = rf"^[hH][tT][tT][pP][sS]?://([^\x00-\x20\x7f/?#@]*@)?{_HOST}(:{_PORT})?([/?#][^\x00-\x20\x7f]*)?$"
_TIMES = {"schedule", "dial_at"}
# Where the document says a number is ignored: (the flag, its value, the field).
IGNORED = {"simple_dialer": ("from_campaign", "leg_a"), "dialer": ("numbers_from_queue", "number")}


def integer_pattern(low: int, high: int | None) -> str:
    """A regular expression for the decimal integers from `low` to `high` (no bound: None),
    leading zeros allowed, as the emulator reads an "Integer/String" field written as text."""
    if high is None:
        return "^[0-9]+$" if low == 0 else f"^0*({_at_least(low)})$"
    return f"^0*({'|'.join(_between(low, high))})$"


def _at_least(low: int) -> str:
    digits = len(str(low))
    return "|".join([*_between(low, 10**digits - 1), f"[1-9][0-9]{{{digits},}}"])


def _between(low: int, high: int) -> list[str]:
    """Alternatives matching exactly the numbers low..high written without leading zeros."""
    out: list[str] = []
    for width in range(len(str(low)), len(str(high)) + 1):
        first = 0 if width == 1 else 10 ** (width - 1)
        out += _fixed(max(low, first), min(high, 10**width - 1), width)
    return out


def _fixed(low: int, high: int, width: int) -> list[str]:
    """Alternatives for low..high, each written with exactly `width` digits."""
    if width == 0:
        return [""]
    if low == 0 and high == 10**width - 1:
        return [_any(width)]
    low_text, high_text = str(low).zfill(width), str(high).zfill(width)
    rest, full = width - 1, 10 ** (width - 1) - 1
    low_rest, high_rest = int(low_text[1:] or 0), int(high_text[1:] or 0)
    first, last = int(low_text[0]), int(high_text[0])
    if first == last:
        return [low_text[0] + part for part in _fixed(low_rest, high_rest, rest)]
    out: list[str] = []
    if low_rest != 0:
        out += [str(first) + part for part in _fixed(low_rest, full, rest)]
        first += 1
    top = last if high_rest == full else last - 1
    if first <= top:
        out.append((str(first) if first == top else f"[{first}-{top}]") + _any(rest))
    if top != last:
        out += [str(last) + part for part in _fixed(0, high_rest, rest)]
    return out


def _any(width: int) -> str:
    return "" if width == 0 else "[0-9]" if width == 1 else f"[0-9]{{{width}}}"


def wire_schema(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """ivrc's schema of `kind`, widened to what the service reads."""
    wide = copy.deepcopy(document)
    definitions = wide.get("$defs", {})
    definitions["boolean"]["enum"] = ["true", "false", True, False]
    for name in ("phone", "caller_id"):
        # A number some country can have (api-notes 14): more than a pattern can say, and a
        # pattern's shortest match (`000`) is no number at all, so the format says it alone.
        definitions[name] = {key: value for key, value in definitions[name].items() if key != "pattern"}
        definitions[name]["format"] = "phone"
    _widen(wide)
    properties = wide["properties"]
    properties["unique_id"] = {**properties["unique_id"], "pattern": UNIQUE_ID}
    if "return_address" in properties:
        properties["return_address"] = {**properties["return_address"], "pattern": RETURN_ADDRESS}
    flag, ignored = IGNORED[kind]
    checked = properties[ignored]
    properties[ignored] = {"description": checked.get("description", "") + f' Ignored when {flag} is "true".'}
    wide["else"] = {**wide["else"], "properties": {ignored: {k: v for k, v in checked.items() if k != "description"}}}
    return wide


def _widen(value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _widen(item)
        return
    if not isinstance(value, dict):
        return
    for name, field in (value.get("properties") or {}).items():
        if not isinstance(field, dict):
            continue
        if name in BOOLEANS and "const" in field:
            said = field.pop("const")
            field["enum"] = [said, said == "true"]
        elif name in INTEGERS | NUMBERS and "type" in field:
            value["properties"][name] = _numeric(name, field)
    for key, item in value.items():
        if key != "properties":
            _widen(item)
    for field in (value.get("properties") or {}).values():
        if isinstance(field, dict) and "anyOf" not in field:
            _widen(field)


def _numeric(name: str, field: dict[str, Any]) -> dict[str, Any]:
    """A number field, also written as digits; a time no later than the year 9999."""
    number = {k: v for k, v in field.items() if k != "description"}
    low = int(number.get("minimum", 0))
    high = number.get("maximum")
    if name in _TIMES:
        high = LATEST_TIME if high is None else min(int(high), LATEST_TIME)
        number["maximum"] = high
    text = (
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"}
        if name in NUMBERS
        else {"type": "string", "pattern": integer_pattern(low, None if high is None else int(high))}
    )
    forms = [number, text]
    if name in EMPTY_IS_ABSENT:
        forms.append({"const": ""})
    widened: dict[str, Any] = {"anyOf": forms}
    if "description" in field:
        widened = {"description": field["description"], **widened}
    return widened
