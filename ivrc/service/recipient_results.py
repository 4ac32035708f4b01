"""A personal campaign's results: one line per recipient, in row order, from the call records
of each recipient's campaigns, fetched a few at a time. Each line has the row (to join with
the recipients file), the columns of that file the user chose to carry, what the calls did,
a column for each mark the flow can set, and the call records themselves, so that `ivrc
report` draws a whole batch from the file `ivrc cdr --recipients` writes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivrc.build.template import Template
    from ivrc.running.records import CdrRecord

COLUMNS = ("row", "unique_id", "calls", "answered", "hangup_cause", "billsec", "marks", "keys")
RECORDS = "call_records"  # the recipient's call records, as `ivrc cdr --format json` writes them


class ResultsError(Exception):
    """What the user asked for cannot be given (a column the file does not have)."""


@dataclass(frozen=True)
class Wanted:
    row: int
    unique_id: str
    generations: int
    carried: tuple[str, ...]


def marks_of(request: dict[str, Any]) -> list[str]:
    """Every mark the flow can set, in the order it first appears: `remove`, `custom:VALUE`."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("action") == "mark" and isinstance(value.get("params"), dict):
                params = value["params"]
                found.setdefault(
                    f"custom:{params.get('value')}" if params.get("type") == "custom" else str(params.get("type")), None
                )
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(request)
    return list(found)


def gather(
    template: Template,
    path: Path,
    region: str | None,
    client: Any,
    columns: list[str],
    generations: Callable[[str], int] = lambda unique_id: 1,
    concurrency: int = 8,
    run: Callable[..., Any] | None = None,
) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The header and, lazily, one result per recipient in row order."""
    from ivrc.service.api import ServiceError
    from ivrc.service.batch_journal import sent_as

    wanted: list[Wanted] = []
    missing: list[str] = []

    def keep(row: Any, unique_id: str, line: str) -> None:
        absent = [name for name in columns if name not in row.cells]
        if absent:
            missing.extend(name for name in absent if name not in missing)
            return
        # A recipient sent again on purpose (--resend-changed) has a campaign for each time.
        wanted.append(
            Wanted(row.number, unique_id, generations(unique_id), tuple(row.cells[name].value for name in columns))
        )

    assert run is not None
    run(template, path, region, keep)
    if missing:
        raise ResultsError(f"--columns: {path} has no column {', '.join(f'`{m}`' for m in missing)}")
    marks = marks_of(template.request)
    header = ["row", *columns, *COLUMNS[1:], *(f"mark:{mark}" for mark in marks), RECORDS]

    def fetch(item: Wanted) -> dict[str, Any]:
        records: list[CdrRecord] = []
        for generation in range(1, item.generations + 1):
            try:
                records += client.cdr_by_campaign(sent_as(item.unique_id, generation))[1]
            except ServiceError as error:
                if error.status != 404:
                    raise  # a 404 is a campaign not deployed (yet)
        last = records[-1] if records else None
        had = {mark for record in records for mark in record.marks}
        return {
            "row": item.row,
            **dict(zip(columns, item.carried, strict=True)),
            "unique_id": item.unique_id,
            "calls": len(records),
            "answered": "yes" if any(r.answered for r in records) else ("no" if records else ""),
            "hangup_cause": last.hangup_cause if last else "",
            "billsec": sum(r.billsec for r in records),
            "marks": " ".join(m for r in records for m in r.marks),
            "keys": " ".join(f"{step}:{keys}" for r in records for step, keys in r.keys),
            **{f"mark:{mark}": "yes" if mark in had else "" for mark in marks},
            RECORDS: [r.as_json() for r in records],
        }

    def rows() -> Iterator[dict[str, Any]]:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            yield from pool.map(fetch, wanted)  # in row order, at most `concurrency` at once

    return header, rows()


def write(header: list[str], rows: Iterator[dict[str, Any]], output_format: str) -> str:
    """csv (the records as one JSON column), json, or a table for people (without the records)."""
    if output_format == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    if output_format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, RECORDS: json.dumps(row[RECORDS], ensure_ascii=False, separators=(",", ":"))})
        return out.getvalue()
    shown = [c for c in header if c != RECORDS]
    table = [{c: str(row[c]) for c in shown} for row in rows]
    widths = {c: max([len(c), *(len(r[c]) for r in table)]) for c in shown}
    lines = ["  ".join(c.ljust(widths[c]) for c in shown).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in shown).rstrip() for r in table]
    return "\n".join(lines) + "\n"
