"""The command line's side of personal campaigns: reading a recipients file for `lint`,
`compile` and `simulate`, and its findings, with excerpts of the rows they are on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ivrc.checks import malformed_row, unreadable_file
from ivrc.insight import render
from ivrc.language.diagnostics import Diagnostic

if TYPE_CHECKING:
    from ivrc.build.batch import Summary
    from ivrc.build.library import Result
    from ivrc.build.recipients import Row
    from ivrc.build.template import Template
    from ivrc.compliance.gate import Gate
    from ivrc.language.config import Config


class SparseLines:
    """Only the lines of a file that findings point at, read in one pass: excerpts for a
    recipients file of a million rows without holding it in memory."""

    def __init__(self, path: Path, wanted: set[int]) -> None:
        self.lines: dict[int, str] = {}
        self.count = 0
        if not wanted:
            return
        try:
            with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
                for number, text in enumerate(handle, start=1):
                    if number in wanted:
                        self.lines[number] = text.rstrip("\r\n")
                    self.count = number
                    if number >= max(wanted):
                        break
        except OSError:
            self.lines = {}

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> str:
        return self.lines.get(index + 1, "")


PROGRESS_ABOVE = 2 * 1024 * 1024  # bytes: a recipients file this large shows its progress on a terminal


def run(
    template: Template,
    path: Path,
    region: str | None,
    emit: Callable[[Row, str, str], object] | None = None,
    stop_after: int | None = None,
    keep_rejected: bool = False,
    gate: Gate | None = None,
    priced: Callable[[dict[str, str]], object] | None = None,
    processes: int = 1,
    sink: IO[str] | None = None,
) -> Summary:
    """`ivrc.build.batch.run`, with a file that cannot be read at all turned into one finding, and a
    progress bar on a terminal for a file over PROGRESS_ABOVE bytes, as deploy shows one. With
    `processes` (and the `sink` its requests go to) the rows are spread over the cores."""
    from ivrc.build.batch import Summary
    from ivrc.build.batch import run as run_batch
    from ivrc.build.recipients import RecipientsError
    from ivrc.language.files import Unreadable

    tick, done = _progress(path) if stop_after is None else (None, None)
    try:
        return run_batch(
            template, path, region, emit, stop_after, tick, keep_rejected, gate, priced, processes=processes, sink=sink
        )
    except Unreadable as problem:
        return Summary(diagnostics=[unreadable_file.diagnose(problem)])
    except RecipientsError as error:
        span_at = _span(error.line, error.column)
        return Summary(diagnostics=[malformed_row.diagnose(error.message, span_at, str(path))])
    finally:
        if done is not None:
            done()


def _progress(path: Path) -> tuple[Callable[[int], None] | None, Callable[[], None] | None]:
    """A bar of bytes read, with the rate and the time left, on stderr when it is a terminal."""
    import os
    import sys

    try:
        size = path.stat().st_size
    except OSError:
        return None, None
    if size <= PROGRESS_ABOVE or not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    bar = Progress(
        f"checking {path.name}",
        BarColumn(),
        DownloadColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.start()
    task = bar.add_task("rows", total=size)
    return (lambda read: bar.update(task, completed=read)), bar.stop


def _span(line: int, column: int):  # type: ignore[no-untyped-def]
    from ivrc.language.ast import Span

    return Span(line, column, line, column + 1, 0, 0)


def report(path: Path, diagnostics: list[Diagnostic]) -> render.FileReport:
    """The findings in a recipients file, with the lines that text output shows as excerpts."""
    counts: dict[str, int] = {}
    wanted: set[int] = set()
    for d in diagnostics:
        counts[d.rule] = counts.get(d.rule, 0) + 1
        if counts[d.rule] <= render.SHOWN_PER_RULE:
            wanted.add(d.line)
    return render.FileReport(str(path), SparseLines(path, wanted), tuple(diagnostics))  # type: ignore[arg-type]


def unreadable(diagnostics: list[Diagnostic]) -> bool:
    """Whether the recipients file could not be read at all: a usage error (exit 2), as for a flow."""
    return any(d.rule == unreadable_file.NAME for d in diagnostics)


def template_of(result: Result, config: Config | None = None) -> Template | None:
    """The fields a flow takes from recipients (and, when it compiled, how to render rows)."""
    from ivrc.build.template import Template
    from ivrc.language import model as semantics

    if result.template is not None:
        return result.template
    if result.flow is None or not result.flow.requests:
        return None
    model = semantics.build(result.flow, config)
    return Template.of(model) if model.fields else None


def write_rejected(target: Path, summary: Summary) -> None:
    """The rows left out by `--skip-invalid`, as CSV: their row and line, their values, and the
    errors that kept each out. It holds personal data, so only its owner may read it."""
    import csv
    import io

    from ivrc.language.files import write_atomically

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "line", *summary.columns, "findings"])
    for rejected in summary.rejected:
        writer.writerow(
            [
                rejected.row,
                rejected.line,
                *(rejected.values.get(name, "") for name in summary.columns),
                "; ".join(rejected.findings),
            ]
        )
    write_atomically(target, out.getvalue(), private=True)
