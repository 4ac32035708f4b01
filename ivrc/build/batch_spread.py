"""A personal campaign's rows spread over the machine's cores: the recipients file cut into parts
at line ends, each part checked and rendered by a process of its own (`batch_rows.Tally`), and
the parts put back together in row order, so that the requests and the findings are those of one
process, byte for byte. What needs every row at once, the duplicate check, runs on the parts'
numbers put together.

A file is cut only where each line is a row: a CSV file whose quoted values never span lines,
in UTF-8. The rows before each part are counted as the reader counts them (a blank line is no
row, a row of empty values is skipped and counted apart), so that each part numbers its rows as
one reading of the whole file would. Anything else, a compliance policy's gate (which decides
row after row), and files of a few thousand rows are read by one process."""

from __future__ import annotations

import os
import shutil
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ivrc.build.batch_rows import Rejected, Tally
from ivrc.build.recipients import Cell, Problem, Recipients
from ivrc.build.template import Template
from ivrc.language.diagnostics import Diagnostic

PARTS_PER_PROCESS = 4  # a part that takes long does not leave the other cores idle
WORTH_SPREADING = 20_000  # rows: below this, starting processes costs more than it saves
_PREFIX = ".ivrc-part-"  # and the pid of the process that puts the parts together


@dataclass(frozen=True)
class Part:
    start: int  # the byte its first line begins at
    end: int  # the byte after its last line
    first_line: int
    rows_before: int  # the rows of the file before it: its first row is row rows_before + 1


@dataclass
class Done:
    """What one process made of one part."""

    rows: int
    requests: int
    found: list[Diagnostic]
    rejected: list[Rejected]
    problems: list[Problem]
    empty_rows: int
    numbers: bytes
    row_numbers: bytes
    lines: bytes
    columns: bytes
    widths: bytes
    output: str | None  # the file its requests were written to


@dataclass
class _Work:
    """What every process needs, set before they are forked."""

    template: Template
    path: Path
    region: str | None
    header: list[Cell]
    delimiter: str
    missing: set[str]
    keep_rejected: bool
    folder: Path | None  # where the parts' requests are written; None: no requests are kept
    parts: list[Part] = field(default_factory=list)


_work: _Work | None = None


def cut(path: Path, header_line: int, delimiter: str, count: int) -> tuple[list[Part], int] | None:
    """The file's rows after its header in `count` parts of about as many lines, and how many
    rows it has; None when a line does not stand for one row (a quote left open on it) or a
    byte is not UTF-8."""
    offsets = array("Q")  # where each data line begins
    rows_before = array("Q")  # the rows before each data line
    rows = 0
    offset = 0
    line = 0
    strip = delimiter + " \t\r\n"
    with path.open("rb") as handle:
        for raw in handle:
            line += 1
            if line > header_line:
                if raw.count(b'"') % 2:
                    return None  # a quoted value that goes on to the next line
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    return None  # the reader says where, reading the whole file
                offsets.append(offset)
                rows_before.append(rows)
                if text.strip() and text.strip(strip):
                    rows += 1
            offset += len(raw)
    if not offsets:
        return [], 0
    size = max(1, -(-len(offsets) // count))
    parts = []
    for first in range(0, len(offsets), size):
        last = min(first + size, len(offsets))
        end = offsets[last] if last < len(offsets) else offset
        parts.append(Part(offsets[first], end, header_line + 1 + first, rows_before[first]))
    return parts, rows


def run_spread(
    template: Template,
    path: Path,
    region: str | None,
    header: list[Cell],
    delimiter: str,
    missing: set[str],
    keep_rejected: bool,
    processes: int,
    sink: IO[str] | None,
    progress: Callable[[int], None] | None = None,
) -> list[Done] | None:
    """Each part's work, in order, its requests written to `sink`; None when the file is not cut
    (see the module's word on it), and the caller reads it in one process."""
    import multiprocessing

    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    if multiprocessing.current_process().daemon:
        return None  # a process of `ivrc lint --jobs` already: it has no children of its own
    header_line = header[0].line if header else 1
    found = cut(path, header_line, delimiter, processes * PARTS_PER_PROCESS)
    if found is None or found[1] < WORTH_SPREADING:
        return None
    parts, _ = found
    global _work
    folder = Path(sink.name).parent if sink is not None and hasattr(sink, "name") else None
    if sink is not None and folder is None:
        folder = Path(tempfile.gettempdir())
    _work = _Work(template, path, region, header, delimiter, missing, keep_rejected, folder, parts)
    done: list[Done] = []
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for part, result in zip(parts, pool.imap(_run_part, range(len(parts))), strict=True):
                done.append(result)
                if sink is not None and result.output is not None:
                    sink.flush()
                    with open(result.output, encoding="utf-8", newline="") as written:
                        shutil.copyfileobj(written, sink)
                    os.unlink(result.output)
                if progress is not None:
                    progress(part.end)
    finally:
        _work = None
        # Parts left behind by an error or a Ctrl-C, finished or not: their requests are personal data.
        if folder is not None:
            for left in folder.glob(f"{_PREFIX}{os.getpid()}-*"):
                left.unlink(missing_ok=True)
    return done


def _run_part(index: int) -> Done:
    """One part, in a forked process: its rows checked and rendered, its requests written to a
    file of its own (readable by its owner only, as they hold personal data)."""
    work = _work
    assert work is not None  # set before the processes were forked
    part = work.parts[index]
    with work.path.open("rb") as handle:
        handle.seek(part.start)
        data = handle.read(part.end - part.start)
    recipients = Recipients.part(work.path, work.header, work.delimiter, data, part.first_line, part.rows_before)
    found: list[Diagnostic] = []
    output = None
    out: Any = None
    if work.folder is not None:
        descriptor, output = tempfile.mkstemp(dir=work.folder, prefix=f"{_PREFIX}{os.getppid()}-", suffix=".jsonl")
        out = os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")
    try:
        emit = (lambda row, unique_id, line: out.write(line + "\n")) if out is not None else None
        tally = Tally(work.template, work.region, work.missing, str(work.path), found, emit, work.keep_rejected)
        for row in recipients.rows():
            tally.take(row)
    except BaseException:
        if out is not None:
            out.close()
            os.unlink(output)  # type: ignore[arg-type]
        raise
    if out is not None:
        out.close()
    return Done(
        tally.rows,
        tally.requests,
        found,
        tally.rejected,
        recipients.problems,
        recipients.empty_rows,
        tally.numbers.tobytes(),
        tally.row_numbers.tobytes(),
        tally.lines.tobytes(),
        tally.columns.tobytes(),
        tally.widths.tobytes(),
        output,
    )
