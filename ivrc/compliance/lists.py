"""Do-not-call lists: read once, kept as sorted arrays of 64-bit integers (8 bytes a number), and
asked with a binary search, so that two lists of a million numbers take 16 MB and a million
questions take a second. A list never prints the numbers it holds.

A list is a text or CSV file, one number a line, in any form people write (read with the flow's
region), or `sha256:` and the hex SHA-256 of the number's E.164 form with its `+` (for lists kept
hashed). Lines starting with `#` are comments; a header row names the columns, and the number
is in `phone`, `number`, `phone_number`, `e164`, `msisdn` or `sha256`, else the first column.
The list's date is a comment `# as of 2026-12-01` (or `# date:`, `# checked:`), else the newest
value of an `as_of` or `checked` column, else the file's modification time."""

from __future__ import annotations

import bisect
import csv
import functools
import hashlib
import re
from array import array
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import phonenumbers

from ivrc.language.files import Unreadable, text_lines

NUMBER_COLUMNS = ("phone", "number", "phone_number", "e164", "msisdn", "sha256")
DATE_COLUMNS = ("as_of", "checked")
_DATED = re.compile(r"^#\s*(?:as of|date:|checked:)\s*(\d{4}-\d{2}-\d{2}(?:[T ][0-9:]+(?:Z|[+-]\d{2}:?\d{2})?)?)", re.I)
_HASHED = re.compile(r"^sha256:([0-9a-fA-F]{64})$")
_DROPPED = str.maketrans("", "", " \t-().\u00a0\u200e\u200f\u202a\u202b\u202c\u202d\u202e")


class ListError(ValueError):
    """A list that cannot be used: `FILE:LINE: reason`."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@functools.lru_cache(maxsize=64)
def _national(region: str) -> tuple[int, str | None]:
    """A region's country code and national (trunk) prefix, `0` for Israel."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None:
        return 0, None
    return metadata.country_code or 0, metadata.national_prefix


def number_key(text: str, region: str | None) -> int | None:
    """A written number as the integer of its E.164 digits, for matching; None when it is not a
    number. International forms are read as they are; a local form with the region's trunk
    prefix (`054-…` in Israel) directly; any other form through phonenumbers."""
    if text.isascii() and text.isdigit() and text[0] != "0" and len(text) >= 11:  # E.164 without `+`, as in records
        return int(text) if len(text) <= 15 else None
    written = text.translate(_DROPPED)
    if written.startswith("+"):
        digits = written[1:]
    elif written.startswith("00"):
        digits = written[2:]
    else:
        digits = written
        if region:
            code, prefix = _national(region)
            if prefix and digits.startswith(prefix) and not digits.startswith(prefix * 2):
                digits = f"{code}{digits[len(prefix) :]}"
            elif len(digits) < 11:
                return _slow(text, region)
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 15 or digits[0] == "0":
        return None
    return int(digits)


def _slow(text: str, region: str) -> int | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return int(f"{number.country_code}{number.national_number}")


def hashed(key: int) -> int:
    """The first 8 bytes of the SHA-256 of `+DIGITS`, as a list kept hashed holds them."""
    return int.from_bytes(hashlib.sha256(f"+{key}".encode()).digest()[:8], "big")


@dataclass
class NumberList:
    """One do-not-call list, read: its numbers and hashes, sorted, and its date."""

    path: Path
    numbers: array[int]
    hashes: array[int]
    dated: datetime
    dated_by: str  # "header", "column" or "file time"

    def __len__(self) -> int:
        return len(self.numbers) + len(self.hashes)

    def __contains__(self, key: int) -> bool:
        return _has(self.numbers, key) or (bool(self.hashes) and _has(self.hashes, hashed(key)))

    def has(self, key: int, digest: int) -> bool:
        """Whether the number `key`, whose `hashed(key)` is `digest`, is on the list."""
        return _has(self.numbers, key) or (bool(self.hashes) and _has(self.hashes, digest))


def _has(values: array[int], key: int) -> bool:
    index = bisect.bisect_left(values, key)
    return index < len(values) and values[index] == key


def read_list(path: Path, region: str | None) -> NumberList:
    """Read a do-not-call list. ListError for a line that is neither a number nor a hash, a
    date that cannot be read, or a list with no numbers; Unreadable for a file that is not there."""
    numbers: array[int] = array("Q")
    hashes: array[int] = array("Q")
    dated: datetime | None = None
    dated_by = "file time"
    column = 0
    dates: int | None = None
    header_seen = False
    newest: date | None = None
    for line_number, raw in enumerate(text_lines(path), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            match = _DATED.match(line)
            if match is not None:  # lists appended to carry a dated comment each: the newest counts
                said = _when(match.group(1), path, line_number)
                dated, dated_by = (said, "header") if dated is None or said > dated else (dated, dated_by)
            continue
        plain = "," not in line and ";" not in line and "\t" not in line and '"' not in line
        try:
            cells = [line] if plain else next(csv.reader([line], delimiter=_delimiter(line)), [""])
        except csv.Error as error:  # a stray carriage return inside a value, a broken quote
            raise ListError(path, line_number, f"the line cannot be read as CSV: {error}") from None
        if not header_seen:
            header_seen = True
            names = [cell.strip().lower() for cell in cells]
            if any(c.isalpha() for c in "".join(names)) and not _HASHED.match(cells[0].strip()):
                column = next((names.index(n) for n in NUMBER_COLUMNS if n in names), 0)
                dates = next((names.index(n) for n in DATE_COLUMNS if n in names), None)
                continue
        value = cells[column].strip() if column < len(cells) else ""
        digest = _digest(value) if value.startswith("sha256:") else None
        if digest is not None:
            hashes.append(digest)
        else:
            key = number_key(value, region)
            if key is None:
                shown = "an empty value" if not value else "a value that is neither a phone number nor sha256:HEX"
                raise ListError(path, line_number, f"{shown} (column {column + 1})")
            numbers.append(key)
        if dates is not None and dates < len(cells) and cells[dates].strip():
            day = _when(cells[dates].strip(), path, line_number).date()
            newest = day if newest is None or day > newest else newest
    if not numbers and not hashes:
        raise ListError(path, 0, "the list has no numbers")
    if dated is None and newest is not None:
        dated, dated_by = datetime(newest.year, newest.month, newest.day, tzinfo=timezone.utc), "column"
    if dated is None:
        try:
            dated = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        except OSError as error:
            raise Unreadable(path, f"cannot be read: {error.strerror or error}") from None
    return NumberList(path, array("Q", sorted(numbers)), array("Q", sorted(hashes)), dated, dated_by)


def _digest(value: str) -> int | None:
    """The first 8 bytes of `sha256:HEX`, or None when the rest is not 64 hex digits."""
    hexadecimal = value[7:]
    if len(hexadecimal) != 64 or not all(c in _HEX for c in hexadecimal):
        return None
    return int(hexadecimal[:16], 16)


_HEX = frozenset("0123456789abcdefABCDEF")


def _delimiter(line: str) -> str:
    return next((d for d in (",", ";", "\t") if d in line), ",")


def _when(text: str, path: Path, line: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ListError(path, line, f"`{text}` is not a date such as 2026-12-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
