"""A request as the service reads it (api-notes 2, 3): JSON `true` and `false` for the flags'
"true" and "false", digits for numbers, `"dial_at": ""` as absent; and the span of every value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ivrc.build.emit import JsonPath
from ivrc.build.json_text import MAX_DEPTH, Fallback, JValue
from ivrc.checks import duplicate_setting
from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic

BOOLEANS = {
    "have_dependency",
    "prompt_is_file",
    "dtmf_invalid_text_is_file",
    "is_recording",
    "numbers_from_queue",
    "from_campaign",
    "tts",
}
INTEGERS = {
    "schedule", "max_retries", "ring_timeout", "retry_wait_time", "count_steps", "dtmf_ivr_timeout",
    "dtmf_ivr_retries", "answer_delay", "dial_at", "fields",
}  # fmt: skip
NUMBERS = {"sleep"}
_NUMERIC = INTEGERS | NUMBERS
# The API document's own simple-dialer example sends `"dial_at": ""`: read as not set.
EMPTY_IS_ABSENT = {"dial_at"}


@dataclass
class Plain:
    """The request as plain data, normalised, with the span of every value and key."""

    data: Any
    spans: dict[JsonPath, ast.Span] = field(default_factory=dict)
    keys: dict[JsonPath, ast.Span] = field(default_factory=dict)
    duplicates: list[Diagnostic] = field(default_factory=list)
    values: dict[JsonPath, Any] = field(default_factory=dict)  # every value by its path, for the AST's reading

    def span(self, path: JsonPath) -> ast.Span:
        return self.spans.get(path) or self.spans[()]

    def key(self, path: JsonPath) -> ast.Span:
        return self.keys.get(path) or self.span(path)


def normalise(value: JValue, path: JsonPath, out: Plain, name: str | None = None) -> Any:
    result = out.values[path] = _plain_value(value, path, out, name)
    return result


def _plain_value(value: JValue, path: JsonPath, out: Plain, name: str | None) -> Any:
    out.spans[path] = value.span
    raw = value.value
    if isinstance(raw, dict):
        seen: dict[str, JValue] = {}
        result: dict[str, Any] = {}
        for key, item in value.pairs:
            if key.value in EMPTY_IS_ABSENT and item.value == "":
                continue
            first = seen.setdefault(key.value, key)
            if first is not key:
                message = f"`{key.value}` is already set on line {first.span.line}"
                out.duplicates.append(
                    Diagnostic(
                        duplicate_setting.NAME, duplicate_setting.SEVERITY, message, key.span, "keep one of the two"
                    )
                )
            out.keys[path + (key.value,)] = key.span
            result[key.value] = normalise(item, (*path, key.value), out, key.value)
        return result
    if isinstance(raw, list):
        return [normalise(item, (*path, i), out, name) for i, item in enumerate(raw)]
    if isinstance(raw, bool):
        return ("true" if raw else "false") if name in BOOLEANS else raw
    if isinstance(raw, Decimal):
        return number_of(raw)
    if isinstance(raw, float):
        return raw  # beyond what a Decimal holds: inf or 0.0
    if isinstance(raw, str) and name in _NUMERIC:
        return plain_number(raw, name)
    return raw


def normalise_fast(raw: Any, path: JsonPath, out: Plain, name: str | None = None) -> Any:
    """`normalise` of what `json.loads` read, where every span is NOWHERE (no key repeats there).
    Fallback for an array or object that nests deeper than MAX_DEPTH: the exact reading says where."""
    values = out.values
    if isinstance(raw, dict):
        if len(path) >= MAX_DEPTH:
            raise Fallback("too deep")
        result: Any = {}
        for key, item in raw.items():
            if isinstance(item, str):  # most values: taken here, without a call for each
                if key in EMPTY_IS_ABSENT and item == "":
                    continue
                value = plain_number(item, key) if key in _NUMERIC else item
                values[path + (key,)] = result[key] = value
            else:
                result[key] = normalise_fast(item, (*path, key), out, key)
    elif isinstance(raw, list):
        if len(path) >= MAX_DEPTH:
            raise Fallback("too deep")
        result = [normalise_fast(item, (*path, i), out, name) for i, item in enumerate(raw)]
    elif isinstance(raw, bool):
        result = ("true" if raw else "false") if name in BOOLEANS else raw
    elif isinstance(raw, Decimal):
        result = number_of(raw)
    elif isinstance(raw, str) and name in _NUMERIC:
        result = plain_number(raw, name)
    else:
        result = raw
    values[path] = result
    return result


def plain_number(text: str, name: str) -> int | float | str:
    """Digits (with a fraction, for a wait) are the number they spell; any other text ("-5",
    " 15", "1e3", "NaN") stays text, which the schema refuses as it is."""
    if (_DECIMAL if name in NUMBERS else _DIGITS).fullmatch(text):
        return number_of(Decimal(text))
    return text


_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


# A JSON number beyond 10^15 is beyond every bound of the API: it is read as a float (inf for a
# huge one), which the schema refuses, and never turned into an integer of thousands of digits
# (which takes Python seconds, and cannot be printed).
MAX_EXPONENT = 15


def number_of(value: Decimal) -> int | float:
    if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
        return float(value)
    return int(value) if value == value.to_integral_value() else float(value)
