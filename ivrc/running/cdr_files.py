"""Call records from a file, in every form `ivrc cdr` writes: the service's CSV (`--format
csv`), its JSON (`--format json`), and a personal campaign's results (`--recipients`, as CSV or
JSON), whose `call_records` hold each recipient's records. The tables `ivrc cdr` shows people
are not for reading back, and say so."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from ivrc.language.files import text_lines
from ivrc.running.records import CdrError, CdrRecord, from_json, iter_cdr_located

RECORDS = "call_records"
_TABLE_HEADERS = (("number", "answered"), ("row", "unique_id", "calls"))


def read_records(path: Path) -> Iterator[CdrRecord]:
    """The records of one file, as they are read (a JSON file is read whole). CdrError places a
    problem by line; Unreadable says why a file cannot be read."""
    return (record for _, record in read_located(path))


def read_located(path: Path) -> Iterator[tuple[str, CdrRecord]]:
    """The records of one file, each with its place: `LINE` in a CSV file (the recipient's line in
    a campaign's results), `record N` in a JSON one."""
    lines = text_lines(path)
    first = next(lines, "")
    head = first.lstrip()
    if head.startswith(("[", "{")):
        for index, record in enumerate(_json_records(first + "".join(lines)), start=1):
            yield f"record {index}", record
        return
    words = head.split()
    if any(tuple(words[: len(t)]) == t for t in _TABLE_HEADERS):
        raise CdrError(
            "this is the table `ivrc cdr` shows people; write the records with `--format csv` or `--format json` for "
            "a report",
            1,
        )
    try:
        columns = next(csv.reader([first]), [])
    except csv.Error as error:  # a stray carriage return in the header line
        raise CdrError(f"not CSV: {error}", 1) from None
    if RECORDS in columns:
        yield from ((str(line), record) for line, record in _results_csv(itertools.chain([first], lines)))
        return
    yield from ((str(line), record) for line, record in iter_cdr_located(itertools.chain([first], lines)))


def _json_records(text: str) -> Iterator[CdrRecord]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CdrError(f"not JSON: {getattr(error, 'msg', error)}", getattr(error, "lineno", 0)) from None
    if not isinstance(value, list):
        raise CdrError("call records in JSON are a list, as `ivrc cdr --format json` writes them")
    for item in value:
        if isinstance(item, dict) and RECORDS in item:  # a recipient's result
            listed = item[RECORDS]
            if not isinstance(listed, list):
                raise CdrError(f"the `{RECORDS}` of row {item.get('row', '?')} is not a list")
            yield from (from_json(record) for record in listed)
        else:
            yield from_json(item)


def _results_csv(lines: Iterator[str]) -> Iterator[tuple[int, CdrRecord]]:
    """A personal campaign's results as CSV: one recipient a line, their records in `call_records`."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a recipient's records can be long
    reader = csv.DictReader(lines)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as error:
            raise CdrError(f"not CSV: {error}", line) from None
        if row is None:
            return
        try:
            listed = json.loads(row.get(RECORDS) or "[]")
        except ValueError as error:
            raise CdrError(f"`{RECORDS}` is not JSON: {getattr(error, 'msg', error)}", line) from None
        if not isinstance(listed, list):
            raise CdrError(f"`{RECORDS}` is not a list", line)
        for record in listed:
            try:
                yield line, from_json(record)
            except CdrError as error:
                raise CdrError(error.reason, line) from None
