"""One stretch of a recipients file, row by row: each row's values checked (its number read,
its texts held to what can be said), the compliance policy's word on it, and its request
rendered. `ivrc.build.batch` runs one over the whole file; `ivrc.build.batch_spread` runs one
over each part of it, in processes of their own."""

from __future__ import annotations

import functools
import hashlib
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ivrc.build.recipients import Cell, Row
from ivrc.build.template import Template
from ivrc.checks import (
    empty_value,
    invalid_phone_number,
    invisible_characters,
    missing_column,
    placeholder_in_value,
    unallocated_phone_number,
    unspeakable_value,
)
from ivrc.checks.unsupported_tts_language import foreign_letters
from ivrc.language import phone
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

# Values repeat across rows (a clinic's number, a day, a time): each is read once per batch.
_read_phone = functools.lru_cache(maxsize=4096)(phone.read)
_foreign = functools.lru_cache(maxsize=4096)(foreign_letters)

ID_COLUMN = "id"  # an optional column that tells apart recipients who share a number
_PLACEHOLDER = re.compile(r"\$[A-Za-z0-9_]+\$")


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


def span_at(line: int, column: int, width: int) -> Span:
    return Span(line, column, line, column + max(width, 1), 0, 0)


def cell_span(cell: Cell) -> Span:
    return span_at(cell.line, cell.column, cell.width)


class Tally:
    """The rows of a stretch of the file, taken one at a time: findings go to `found` (shared
    with the policy's gate), each request to `emit`, and each row's number, with where it
    stands, to the arrays the duplicate check reads."""

    def __init__(
        self,
        template: Template,
        region: str | None,
        missing: set[str],
        where: str,
        found: list[Diagnostic],
        emit: Callable[[Row, str, str], object] | None = None,
        keep_rejected: bool = False,
        gate: Gate | None = None,
        priced: Callable[[dict[str, str]], object] | None = None,
    ) -> None:
        self.template, self.region, self.missing, self.where = template, region, missing, where
        self.found, self.emit, self.keep_rejected, self.gate, self.priced = found, emit, keep_rejected, gate, priced
        self.rows = self.requests = self.held = 0
        self.rejected: list[Rejected] = []
        self.numbers = array("Q")  # each row's number as an integer, for the duplicate check
        self.row_numbers = array("I")
        self.lines = array("I")
        self.columns = array("I")
        self.widths = array("I")

    def put_together(self, parts: list[Any]) -> None:
        """The parts' counts, findings and numbers, in their order, as if this had taken their rows
        (`batch_spread.Done`)."""
        for part in parts:
            self.rows += part.rows
            self.requests += part.requests
            self.found.extend(part.found)
            self.rejected.extend(part.rejected)
            for mine, theirs in (
                (self.numbers, part.numbers), (self.row_numbers, part.row_numbers), (self.lines, part.lines),
                (self.columns, part.columns), (self.widths, part.widths),
            ):  # fmt: skip
                mine.frombytes(theirs)

    def take(self, row: Row) -> None:
        template, found, gate = self.template, self.found, self.gate
        self.rows += 1
        before = len(found)
        values, identity, errors = _check_row(template, row, self.region, self.missing, self.where, found)
        moment, held = None, False
        if gate is not None and not errors and identity is not None:
            digits, cell, country = identity
            decision = gate.decide(row, int(digits), digits, country, cell, self.where)
            errors = decision.error
            held = decision.held is not None
            self.held += held
            moment = decision.moment
        if errors and self.keep_rejected:
            said = [f"{d.rule}: {d.message}" for d in found[before:] if d.severity is Severity.ERROR]
            self.rejected.append(
                Rejected(row.number, row.line, {name: cell.value for name, cell in row.cells.items()}, said)
            )
        if identity is not None:
            digits, cell, _ = identity
            told_apart = ID_COLUMN in row.cells
            # With an `id` column, a person is their number and id: family members who share a
            # phone are not duplicates.
            self.numbers.append(_identity_key(digits, row.cells[ID_COLUMN].value) if told_apart else int(digits))
            self.row_numbers.append(row.number)
            self.lines.append(cell.line)
            self.columns.append(cell.column)
            self.widths.append(cell.width)
        if errors or held:
            return
        key = values.get(template.number_field, "") if template.number_field else ""
        if ID_COLUMN in row.cells:
            key += "\x00" + row.cells[ID_COLUMN].value
        unique_id = template.unique_id(key)
        self.requests += 1
        if self.priced is not None:
            self.priced(values)
        if self.emit is not None:
            self.emit(row, unique_id, template.render(values, unique_id, moment))


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
                found.append(
                    missing_column.diagnose(f"row {row.number} has no `{name}`", span_at(row.line, 1, 1), where)
                )
            errors = True
            continue
        text = cell.value.strip()
        if not text:
            found.append(
                empty_value.diagnose(
                    f"row {row.number} has no `{name}`, which the flow uses",
                    cell_span(cell),
                    where,
                    "fill in the value, or remove the row",
                )
            )
            errors = True
            continue
        if roles & {"number", "call number"}:
            hidden = invisible_characters.diagnose_value(text, cell_span(cell), where, f"`{name}` of row {row.number}")
            if hidden is not None:
                found.append(hidden)
            reading = _read_phone(text, region)
            if reading.status in ("impossible", "local", "misfit"):
                refused = invalid_phone_number.diagnose_value(text, reading, cell_span(cell), where)
                if refused is not None:  # always, for these readings
                    found.append(refused)
                errors = True
                continue
            if reading.status == "unallocated":
                found.append(unallocated_phone_number.diagnose_value(text, reading, cell_span(cell), where))
            values[name] = reading.digits or text
            if "number" in roles:
                identity = (reading.digits or "0", cell, reading.region)
        if "placeholder" in roles:
            placeholder = _PLACEHOLDER.search(text)
            if placeholder is not None:
                found.append(
                    placeholder_in_value.diagnose(
                        f"`{name}` of row {row.number} holds a placeholder: `{placeholder.group(0)}`",
                        cell_span(cell),
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
                        cell_span(cell),
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
