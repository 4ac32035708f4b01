"""Personal campaigns: a template flow and a recipients file become one request per recipient.

The flow is compiled and validated once, as a template whose recipient fields are slots. Each
row of the recipients file is then checked and, when it has no error, rendered into the
template: a JSON line, in row order, with a unique_id derived from the campaign's name and the
row's identity (its number, and its `id` column when there is one), never from the flow's text:
an edited flow keeps every recipient's campaign, so a re-deploy cannot call anyone twice. The
file is read as a stream, so the memory a batch takes does not grow with the number of rows,
but for the duplicate check, which keeps 12 bytes a row."""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ivrc.build.recipients import Cell, Recipients, Row
from ivrc.build.template import Template
from ivrc.checks import (
    duplicate_recipient,
    empty_value,
    invalid_phone_number,
    invisible_characters,
    malformed_row,
    missing_column,
    placeholder_in_value,
    unallocated_phone_number,
    unspeakable_value,
    unused_column,
)
from ivrc.checks.unsupported_tts_language import foreign_letters
from ivrc.language import phone
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

# Values repeat across rows (a clinic's number, a day, a time): each is read once per batch.
_read_phone = functools.lru_cache(maxsize=4096)(phone.read)
_foreign = functools.lru_cache(maxsize=4096)(foreign_letters)

__all__ = ["ID_COLUMN", "Gate", "Rejected", "Summary", "Template", "Verdict", "run"]  # Template: `ivrc.batch.Template`

ID_COLUMN = "id"  # an optional column that tells apart recipients who share a number
_PLACEHOLDER = re.compile(r"\$[A-Za-z0-9_]+\$")


@dataclass
class Summary:
    rows: int = 0
    requests: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    empty_rows: int = 0  # rows with no value at all, skipped
    header_line: int = 0  # the CSV header's line: findings below it are a row's own
    columns: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)  # with `keep_rejected`: the rows with errors
    held: int = 0  # rows the policy holds back: not sent, not errors

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def row_errors_only(self, path: str, findings: list[Diagnostic] | None = None) -> bool:
        """Whether every error (of `findings`, as configured; else the summary's) is a row's own,
        so that `--skip-invalid` can leave those rows out."""
        errors = [d for d in (self.diagnostics if findings is None else findings) if d.severity is Severity.ERROR]
        return bool(errors) and all(
            d.path == path and d.line > self.header_line and d.rule != "unreadable-file" for d in errors
        )


@dataclass(frozen=True)
class Rejected:
    """A row left out for its errors: where it is, its values (none for a row that cannot be read) and why."""

    row: int
    line: int
    values: dict[str, str]
    findings: list[str]


class Verdict(Protocol):
    @property
    def held(self) -> str | None: ...

    @property
    def moment(self) -> int | None: ...

    @property
    def error(self) -> bool: ...


class Gate(Protocol):
    """The compliance policy's side of a batch (ivrc.compliance.gate): each row that has no
    error of its own is held back, or let through at a moment of its own."""

    def begin(self, found: list[Diagnostic]) -> None: ...

    def decide(self, row: Row, key: int, digits: str, country: str | None, cell: Cell, where: str) -> Verdict: ...

    def finish(self, where: str) -> list[Diagnostic]: ...


PROGRESS_EVERY = 4096  # rows between two calls of `progress`


def run(
    template: Template,
    path: Path,
    region: str | None,
    emit: Callable[[Row, str, str], object] | None = None,
    stop_after: int | None = None,
    progress: Callable[[int], None] | None = None,
    keep_rejected: bool = False,
    gate: Gate | None = None,
    priced: Callable[[dict[str, str]], object] | None = None,
) -> Summary:
    """Check every row; for each row without errors, render its request and pass it to `emit`
    as (row, unique_id, JSON line), after passing its values to `priced` (its number as digits).
    Findings point into the recipients file. `stop_after` ends the reading after that row (for
    one person's call); `progress` hears, now and then, how many bytes of the file have been
    read. A `gate` (the compliance policy) holds rows back and gives each of the others its call
    time."""
    summary = Summary()
    where = str(path)
    found = summary.diagnostics
    if gate is not None:
        gate.begin(found)
    numbers = array("Q")  # each row's number as an integer, for the duplicate check
    rows = array("I")
    lines = array("I")
    columns = array("I")
    widths = array("I")
    with Recipients(path, template.model.config.recipients_delimiter) as recipients:
        used = list(template.roles)
        known = _policy_columns(template)
        if recipients.kind == "csv":
            found.extend(_header_findings(recipients.header, used, where, recipients.delimiter, known))
        missing = {name for name in used if recipients.kind == "csv" and name not in recipients.columns}
        for row in recipients.rows():
            if stop_after is not None and row.number > stop_after:
                break
            summary.rows += 1
            if progress is not None and not summary.rows % PROGRESS_EVERY:
                progress(recipients.position())
            before = len(found)
            values, identity, errors = _check_row(template, row, region, missing, where, found)
            moment, held = None, False
            if gate is not None and not errors and identity is not None:
                digits, cell, country = identity
                decision = gate.decide(row, int(digits), digits, country, cell, where)
                errors = decision.error
                held = decision.held is not None
                summary.held += held
                moment = decision.moment
            if errors and keep_rejected:
                said = [f"{d.rule}: {d.message}" for d in found[before:] if d.severity is Severity.ERROR]
                summary.rejected.append(
                    Rejected(row.number, row.line, {name: cell.value for name, cell in row.cells.items()}, said)
                )
            if identity is not None:
                digits, cell, _ = identity
                told_apart = ID_COLUMN in row.cells
                # With an `id` column, a person is their number and id: family members who share a
                # phone are not duplicates.
                numbers.append(_identity_key(digits, row.cells[ID_COLUMN].value) if told_apart else int(digits))
                rows.append(row.number)
                lines.append(cell.line)
                columns.append(cell.column)
                widths.append(cell.width)
            if errors or held:
                continue
            key = values.get(template.number_field, "") if template.number_field else ""
            if ID_COLUMN in row.cells:
                key += "\x00" + row.cells[ID_COLUMN].value
            unique_id = template.unique_id(key)
            summary.requests += 1
            if priced is not None:
                priced(values)
            if emit is not None:
                emit(row, unique_id, template.render(values, unique_id, moment))
        summary.empty_rows = recipients.empty_rows
        summary.header_line = recipients.header[0].line if recipients.kind == "csv" and recipients.header else 0
        summary.columns = recipients.columns
        summary.rows += len(recipients.problems)  # a row that cannot be read is a row all the same
        for problem in recipients.problems:
            if keep_rejected:
                summary.rejected.append(
                    Rejected(problem.row, problem.line, {}, [f"{malformed_row.NAME}: {problem.message}"])
                )
            found.append(malformed_row.diagnose(problem.message, _span(problem.line, problem.column, 1), where))
        if recipients.kind == "jsonl":
            found.extend(
                d for d in _header_findings(recipients.header, used, where, ",", known) if d.rule == unused_column.NAME
            )
    found.extend(_duplicates(numbers, rows, lines, columns, widths, where, ID_COLUMN in recipients.columns))
    if gate is not None:
        found.extend(gate.finish(where))
    found.sort(key=lambda d: d.sort_key)
    summary.rejected.sort(key=lambda r: r.line)
    return summary


def _span(line: int, column: int, width: int) -> Span:
    return Span(line, column, line, column + max(width, 1), 0, 0)


def _cell_span(cell: Cell) -> Span:
    return _span(cell.line, cell.column, cell.width)


def _policy_columns(template: Template) -> frozenset[str]:
    """The columns the compliance policy reads: a person's `timezone`, and their consent's date."""
    policy = template.model.config.policy
    if policy is None:
        return frozenset()
    return frozenset({"timezone", *([policy.consent_column] if policy.consent_column else [])})


def _header_findings(
    header: list[Cell], used: list[str], where: str, delimiter: str = ",", known: frozenset[str] = frozenset()
) -> Iterator[Diagnostic]:
    import difflib

    names = [cell.value for cell in header]
    other = next((d for d in (";", "\t", ",") if d != delimiter and len(header) == 1 and d in names[0]), None)
    if other is not None and used:
        # One column that holds the others: the file is separated by another character.
        said, meant = ("tab" if d == "\t" else d for d in (delimiter, other))
        yield malformed_row.diagnose(
            f"the header is one column, `{names[0]}`: its names are separated by `{meant}`, and the values are read "
            f"as separated by `{said}`",
            _cell_span(header[0]),
            where,
            f'set `recipients_delimiter = "{meant if meant != "tab" else chr(92) + "t"}"` in ivrc.toml or '
            "[tool.ivrc], or leave it out to have it told from the header",
        )
        return
    start = header[0] if header else None
    for name in used:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = (
                f"did you mean `{close[0]}`? (`recipient.{name}` names the column `{name}`)"
                if close
                else f"add a column `{name}`"
            )
            span = _span(start.line, start.column, sum(c.width + 1 for c in header) - 1) if start else _span(1, 1, 1)
            yield missing_column.diagnose(
                f"the flow uses `recipient.{name}`, and the header has no column `{name}`", span, where, hint
            )
    for cell in header:
        if cell.value not in used and cell.value != ID_COLUMN and cell.value not in known:
            yield unused_column.diagnose(
                f"the flow does not use the column `{cell.value}`",
                _cell_span(cell),
                where,
                f"use it as `recipient.{cell.value}`, or leave it: it is not sent",
            )


def _check_row(
    template: Template, row: Row, region: str | None, missing: set[str], where: str, found: list[Diagnostic]
) -> tuple[dict[str, str], tuple[str, Cell, str | None] | None, bool]:
    values: dict[str, str] = {}
    identity = None
    errors = False
    for name, roles in template.roles.items():
        cell = row.cells.get(name)
        if cell is None:
            if name not in missing:  # a JSON line without the key; a CSV header without it is said once
                found.append(missing_column.diagnose(f"row {row.number} has no `{name}`", _span(row.line, 1, 1), where))
            errors = True
            continue
        text = cell.value.strip()
        if not text:
            found.append(
                empty_value.diagnose(
                    f"row {row.number} has no `{name}`, which the flow uses",
                    _cell_span(cell),
                    where,
                    "fill in the value, or remove the row",
                )
            )
            errors = True
            continue
        if roles & {"number", "call number"}:
            hidden = invisible_characters.diagnose_value(text, _cell_span(cell), where, f"`{name}` of row {row.number}")
            if hidden is not None:
                found.append(hidden)
            reading = _read_phone(text, region)
            if reading.status in ("impossible", "local", "misfit"):
                refused = invalid_phone_number.diagnose_value(text, reading, _cell_span(cell), where)
                if refused is not None:  # always, for these readings
                    found.append(refused)
                errors = True
                continue
            if reading.status == "unallocated":
                found.append(unallocated_phone_number.diagnose_value(text, reading, _cell_span(cell), where))
            values[name] = reading.digits or text
            if "number" in roles:
                identity = (reading.digits or "0", cell, reading.region)
        if "placeholder" in roles:
            placeholder = _PLACEHOLDER.search(text)
            if placeholder is not None:
                found.append(
                    placeholder_in_value.diagnose(
                        f"`{name}` of row {row.number} holds a placeholder: `{placeholder.group(0)}`",
                        _cell_span(cell),
                        where,
                        "remove the `$` signs from the value",
                    )
                )
                errors = True
            foreign = _foreign(text)
            if foreign is not None:
                found.append(
                    unspeakable_value.diagnose(
                        f"text to speech speaks Hebrew, English and Russian; `{name}` of row {row.number} has "
                        f"{foreign[2]} letters",
                        _cell_span(cell),
                        where,
                        "write the value in Hebrew, English or Russian letters",
                    )
                )
                errors = True
            values.setdefault(name, text)
    return values, identity, errors


def _identity_key(digits: str, told_apart_by: str) -> int:
    """A number and an `id` as one 64-bit integer, for the duplicate check."""
    return int.from_bytes(hashlib.blake2b(f"{digits}\x00{told_apart_by}".encode(), digest_size=8).digest(), "big")


def _duplicates(
    numbers: array[int],
    rows: array[int],
    lines: array[int],
    columns: array[int],
    widths: array[int],
    where: str,
    with_ids: bool = False,
) -> Iterator[Diagnostic]:
    """Every row whose number an earlier row has, naming the first such row. The rows are sorted
    by a hash of their number packed with their index into one 64-bit integer each, so sorting a
    million rows takes tens of megabytes; rows whose hashes meet are compared by number."""
    count = len(numbers)
    index_bits = max(count.bit_length(), 1)
    mask = (1 << (64 - index_bits)) - 1
    packed = sorted(((n * 0x9E3779B97F4A7C15) & mask) << index_bits | i for i, n in enumerate(numbers))
    index_mask = (1 << index_bits) - 1
    group_hash = -1
    group: list[int] = []  # the indexes in one run of equal hashes, in row order
    found: list[tuple[int, int]] = []  # (duplicate, first)
    for key in itertools.chain(packed, (-1,)):
        hashed, index = key >> index_bits, key & index_mask
        if key >= 0 and hashed == group_hash:
            group.append(index)
            continue
        if len(group) > 1:
            first_of: dict[int, int] = {}
            for member in group:  # already in row order: the packed keys sort by index within a hash
                first = first_of.setdefault(numbers[member], member)
                if first != member:
                    found.append((member, first))
        group_hash, group = hashed, [index]
    del packed
    said, hint = (
        ("the same number and `id`", "give the rows different `id`s, or remove one of them")
        if with_ids
        else ("the same number", "remove one of the rows, or tell them apart with an `id` column")
    )
    for index, first in sorted(found):
        yield duplicate_recipient.diagnose(
            f"row {rows[index]} has {said} as row {rows[first]} (line {lines[first]})",
            _span(lines[index], columns[index], widths[index]),
            where,
            hint,
        )
