"""Call records (CDR): the service's CSV read into typed records (api-notes 18-20)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

COLUMNS = (
    "cli",
    "phone_number",
    "start_time",
    "answer_time",
    "hangup_time",
    "duration",
    "billsec",
    "hangup_cause",
    "unique_campaign_id",
    "steps",
)

# The document's table of common causes (ITU Q.850 names). Others are kept as they are (api-notes 20).
HANGUP_CAUSES = {
    "RECOVERY_ON_TIMER_EXPIRE": "timed out reaching the carrier, or the carrier's timeout",
    "NORMAL_TEMPORARY_FAILURE": "the far carrier is unavailable",
    "USER_BUSY": "busy",
    "ALLOTTED_TIMEOUT": "reached the time limit Paycall sets",
    "NO_USER_RESPONSE": "no response from the callee's phone",
    "NORMAL_CLEARING": "answered and finished normally",
    "NO_ANSWER": "not answered",
    "CALL_REJECTED": "rejected by the callee",
    "NO_ROUTE_TRANSIT_NET": "no route to the number",
    "NO_ROUTE_DESTINATION": "no route to the number",
    "UNALLOCATED_NUMBER": "no such number",
}

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})([+-]\d{2})(:?\d{2})?$")
_TRAILING_COMMA = re.compile(r",\s*([\]}])")


class CdrError(ValueError):
    """Call records that cannot be read. The message says which line; `line` is that line of the
    file (0 when the whole file is at fault) and `reason` the rest."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(f"call record on line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class CdrRecord:
    cli: str
    phone_number: str
    start_time: datetime | None
    answer_time: datetime | None
    hangup_time: datetime | None
    duration: int
    billsec: int
    hangup_cause: str
    unique_campaign_id: str
    steps: dict[str, Any]

    @property
    def answered(self) -> bool:
        return self.answer_time is not None

    @property
    def cause_in_words(self) -> str:
        return HANGUP_CAUSES.get(self.hangup_cause, self.hangup_cause)

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(step, keys pressed) in the order the callee went through the steps."""
        return [
            (str(s.get("step_name", "")), str(s.get("dtmf", "")))
            for s in self.steps.get("steps", [])
            if isinstance(s, dict)
        ]

    @property
    def marks(self) -> list[str]:
        """The marks set during the call (api-notes 19), as `remove` or `custom:VALUE`."""
        found = []
        for step in self.steps.get("steps", []):
            if isinstance(step, dict) and step.get("mark"):
                value = step.get("value")
                found.append(
                    f"{step['mark']}:{value}" if step["mark"] == "custom" and value is not None else str(step["mark"])
                )
        return found

    def as_json(self) -> dict[str, Any]:
        """Keyed by the CSV's column names, times in ISO 8601, `steps` parsed."""
        return {
            "cli": self.cli,
            "phone_number": self.phone_number,
            "start_time": _iso(self.start_time),
            "answer_time": _iso(self.answer_time),
            "hangup_time": _iso(self.hangup_time),
            "duration": self.duration,
            "billsec": self.billsec,
            "hangup_cause": self.hangup_cause,
            "unique_campaign_id": self.unique_campaign_id,
            "steps": self.steps,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def parse_time(text: str) -> datetime | None:
    """`2016-03-30 14:53:50+03`; empty when there was no answer."""
    text = text.strip()
    if not text:
        return None
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"`{text}` is not a time such as 2016-03-30 14:53:50+03")
    day, clock, hours, minutes = match.groups()
    minutes = (minutes or "00").lstrip(":")
    return datetime.fromisoformat(f"{day}T{clock}{hours}:{minutes}")


def parse_steps(text: str) -> dict[str, Any]:
    """The steps JSON, read tolerantly: the document's own samples end the array with `},]`."""
    if not text.strip():
        return {"steps": [], "invalid": []}
    try:
        value = json.loads(_TRAILING_COMMA.sub(r"\1", text))
    except ValueError as error:
        raise ValueError(f"the steps column is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError("the steps column is not a JSON object")  # noqa: TRY004 (a value error of the file, not a type error of ivrc)
    for key in ("steps", "invalid"):
        listed = value.get(key)
        if listed is not None and not (isinstance(listed, list) and all(isinstance(item, dict) for item in listed)):
            raise ValueError(f"`{key}` in the steps column is not a list of objects")
    return value


def parse_cdr(text: str) -> list[CdrRecord]:
    """Rows by the header's column names, so columns in another order still read right."""
    return list(iter_cdr(io.StringIO(text.lstrip("\ufeff"))))


def iter_cdr(lines: Iterable[str]) -> Iterator[CdrRecord]:
    """The records of CSV lines (line ends kept), one at a time, for files of any size."""
    return (record for _, record in iter_cdr_located(lines))


def iter_cdr_located(lines: Iterable[str]) -> Iterator[tuple[int, CdrRecord]]:
    """The records of CSV lines, each with the line it starts on."""
    reader = csv.DictReader(lines, strict=True)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        raise CdrError(f"not CSV: {error}", reader.line_num or 1) from None
    if fieldnames is None:
        return
    header = [name.strip().replace(" ", "_") for name in fieldnames]
    if header:
        header[0] = header[0].lstrip("\ufeff")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CdrError(f"the call records have no column {', '.join(missing)}", 1)
    reader.fieldnames = header
    rows = iter(reader)
    while True:
        first = reader.line_num + 1  # a quoted value may span lines: a record starts here
        try:
            row = next(rows, None)
        except csv.Error as error:
            raise CdrError(f"not CSV: {error}", first) from None
        if row is None:
            return
        if None in row or None in row.values():
            fields = sum(1 for key, value in row.items() if key is not None and value is not None) + len(
                row.get(None) or ()
            )
            raise CdrError(f"the record has {fields} fields; the header has {len(header)}", first)
        try:
            record = CdrRecord(
                cli=row["cli"] or "",
                phone_number=row["phone_number"] or "",
                start_time=parse_time(row["start_time"] or ""),
                answer_time=parse_time(row["answer_time"] or ""),
                hangup_time=parse_time(row["hangup_time"] or ""),
                duration=int(row["duration"] or 0),
                billsec=int(row["billsec"] or 0),
                hangup_cause=(row["hangup_cause"] or "").strip(),
                unique_campaign_id=row["unique_campaign_id"] or "",
                steps=parse_steps(row["steps"] or ""),
            )
        except (ValueError, TypeError, RecursionError) as error:
            raise CdrError(str(error), first) from None
        yield first, record


def from_json(value: Any) -> CdrRecord:
    """A record as `as_json` writes it (`ivrc cdr --format json`), read back; CdrError when it is not one."""
    if not isinstance(value, dict):
        raise CdrError("a call record in JSON is an object")
    missing = [c for c in COLUMNS if c not in value]
    if missing:
        raise CdrError(f"a call record in JSON has no {', '.join(missing)}")
    try:
        steps = value["steps"]
        if isinstance(steps, str):
            steps = parse_steps(steps)
        if not isinstance(steps, dict):
            raise ValueError("`steps` is not an object")
        return CdrRecord(
            cli=str(value["cli"] or ""),
            phone_number=str(value["phone_number"] or ""),
            start_time=_from_iso(value["start_time"]),
            answer_time=_from_iso(value["answer_time"]),
            hangup_time=_from_iso(value["hangup_time"]),
            duration=int(value["duration"] or 0),
            billsec=int(value["billsec"] or 0),
            hangup_cause=str(value["hangup_cause"] or "").strip(),
            unique_campaign_id=str(value["unique_campaign_id"] or ""),
            steps=steps,
        )
    except (ValueError, TypeError) as error:
        raise CdrError(f"a call record in JSON cannot be read: {error}") from None


def _from_iso(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"`{value}` is not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"`{value}` has no offset from UTC")
    return moment


def write_cdr(rows: list[dict[str, Any]]) -> str:
    """Rows in the document's CSV form: the header, every field quoted, CRLF (api-notes 18)."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\r\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue()
