"""Personal campaigns: a template flow and a recipients file become one request per recipient.

The flow is compiled and validated once, as a template whose recipient fields are slots. Each
row of the recipients file is then checked and, when it has no error, rendered into the
template: a JSON line, in row order, with a unique_id derived from the campaign's name and the
row's identity (its number, and its `id` column when there is one), never from the flow's text:
an edited flow keeps every recipient's campaign, so a re-deploy cannot call anyone twice. The
file is read as a stream, so the memory a batch takes does not grow with the number of rows,
but for the duplicate check, which keeps 12 bytes a row."""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ivrc.build.batch_rows import ID_COLUMN, Gate, Rejected, Tally, Verdict, cell_span, span_at
from ivrc.build.recipients import Cell, Recipients, Row
from ivrc.build.template import Template
from ivrc.checks import (
    duplicate_recipient,
    malformed_row,
    missing_column,
    unused_column,
)
from ivrc.language.diagnostics import Diagnostic, Severity

__all__ = ["ID_COLUMN", "Gate", "Rejected", "Summary", "Template", "Verdict", "run"]  # Template: `ivrc.batch.Template`


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
    processes: int = 1,
    sink: IO[str] | None = None,
) -> Summary:
    """Check every row; for each row without errors, render its request and pass it to `emit`
    as (row, unique_id, JSON line), after passing its values to `priced` (its number as digits).
    Findings point into the recipients file. `stop_after` ends the reading after that row (for
    one person's call); `progress` hears, now and then, how many bytes of the file have been
    read. A `gate` (the compliance policy) holds rows back and gives each of the others its call
    time. With `processes` and, when requests are wanted, a `sink` to write them to, the rows are
    spread over that many processes where the file allows it (`batch_spread`), with the same
    result."""
    summary = Summary()
    where = str(path)
    found = summary.diagnostics
    if gate is not None:
        gate.begin(found)
    with Recipients(path, template.model.config.recipients_delimiter) as recipients:
        used = list(template.roles)
        known = _policy_columns(template)
        if recipients.kind == "csv":
            found.extend(_header_findings(recipients.header, used, where, recipients.delimiter, known))
        missing = {name for name in used if recipients.kind == "csv" and name not in recipients.columns}
        tally = Tally(template, region, missing, where, found, emit, keep_rejected, gate, priced)
        spread = None
        alone = gate is None and stop_after is None and priced is None  # nothing that decides row after row
        if processes > 1 and recipients.kind == "csv" and alone and (emit is None or sink is not None):
            from ivrc.build.batch_spread import run_spread

            spread = run_spread(
                template, path, region, recipients.header, recipients.delimiter, missing, keep_rejected,
                processes, sink if emit is not None else None, progress,
            )  # fmt: skip
        if spread is not None:
            recipients.problems = [problem for done in spread for problem in done.problems]
            recipients.empty_rows = sum(done.empty_rows for done in spread)
            tally.put_together(spread)
        for row in recipients.rows() if spread is None else ():
            if stop_after is not None and row.number > stop_after:
                break
            tally.take(row)
            if progress is not None and not tally.rows % PROGRESS_EVERY:
                progress(recipients.position())
        summary.rows, summary.requests, summary.held = tally.rows, tally.requests, tally.held
        summary.rejected.extend(tally.rejected)
        summary.empty_rows = recipients.empty_rows
        summary.header_line = recipients.header[0].line if recipients.kind == "csv" and recipients.header else 0
        summary.columns = recipients.columns
        summary.rows += len(recipients.problems)  # a row that cannot be read is a row all the same
        for problem in recipients.problems:
            if keep_rejected:
                summary.rejected.append(
                    Rejected(problem.row, problem.line, {}, [f"{malformed_row.NAME}: {problem.message}"])
                )
            found.append(malformed_row.diagnose(problem.message, span_at(problem.line, problem.column, 1), where))
        if recipients.kind == "jsonl":
            found.extend(
                d for d in _header_findings(recipients.header, used, where, ",", known) if d.rule == unused_column.NAME
            )
    found.extend(
        _duplicates(
            tally.numbers, tally.row_numbers, tally.lines, tally.columns, tally.widths, where,
            ID_COLUMN in recipients.columns,
        )
    )  # fmt: skip
    if gate is not None:
        found.extend(gate.finish(where))
    found.sort(key=lambda d: d.sort_key)
    summary.rejected.sort(key=lambda r: r.line)
    return summary


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
            cell_span(header[0]),
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
            span = (
                span_at(start.line, start.column, sum(c.width + 1 for c in header) - 1) if start else span_at(1, 1, 1)
            )
            yield missing_column.diagnose(
                f"the flow uses `recipient.{name}`, and the header has no column `{name}`", span, where, hint
            )
    for cell in header:
        if cell.value not in used and cell.value != ID_COLUMN and cell.value not in known:
            yield unused_column.diagnose(
                f"the flow does not use the column `{cell.value}`",
                cell_span(cell),
                where,
                f"use it as `recipient.{cell.value}`, or leave it: it is not sent",
            )


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
            span_at(lines[index], columns[index], widths[index]),
            where,
            hint,
        )
