"""The command line's side of personal campaigns: reading a recipients file for `lint`,
`compile` and `simulate`, and its findings, with excerpts of the rows they are on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivrc import render
from ivrc.checks import malformed_row, unreadable_file
from ivrc.diagnostics import Diagnostic

if TYPE_CHECKING:
    from ivrc.batch import Summary, Template
    from ivrc.library import Result
    from ivrc.recipients import Row


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


def run(template: Template, path: Path, region: str | None, emit: Callable[[Row, str, str], None] | None = None, stop_after: int | None = None) -> Summary:
    """`ivrc.batch.run`, with a file that cannot be read at all turned into one finding."""
    from ivrc.batch import Summary, run as run_batch
    from ivrc.files import Unreadable
    from ivrc.recipients import RecipientsError

    try:
        return run_batch(template, path, region, emit, stop_after)
    except Unreadable as problem:
        return Summary(diagnostics=[unreadable_file.diagnose(problem)])
    except RecipientsError as error:
        if error.message == "no such file":
            return Summary(diagnostics=[unreadable_file.diagnose(Unreadable(path, "no such file or folder"))])
        span_at = _span(error.line, error.column)
        return Summary(diagnostics=[malformed_row.diagnose(error.message, span_at, str(path))])


def _span(line: int, column: int):  # type: ignore[no-untyped-def]
    from ivrc.ast import Span

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


def template_of(result: Result) -> Template | None:
    """The fields a flow takes from recipients (and, when it compiled, how to render rows)."""
    from ivrc import model as semantics
    from ivrc.batch import Template

    if result.template is not None:
        return result.template
    if result.flow is None or not result.flow.requests:
        return None
    model = semantics.build(result.flow)
    return Template.of(model) if model.fields else None


def deploy(
    file: Path,
    result: Result,
    path: Path,
    region: str | None,
    client: Any,
    url: str,
    start: bool,
    dry_run: bool,
    yes: bool,
    concurrency: int,
    rate: float | None,
) -> None:
    """`ivrc deploy FLOW --recipients FILE`: check every row first (any error: nothing is sent),
    print the plan with one sample request, ask, then send one campaign per recipient."""
    import json
    import sys

    import typer

    from ivrc import deploy_batch
    from ivrc.cli import EXIT_FINDINGS, _colour, _fail
    from ivrc.cli_insight import changes_since
    from ivrc.files import read_text
    from ivrc.diagnostics import has_errors

    template = result.template
    assert template is not None
    checked = run(template, path, region)
    if checked.diagnostics:
        sys.stderr.write(render.text_report([report(path, checked.diagnostics)], _colour(sys.stderr)))
    if has_errors(checked.diagnostics):
        client.close()
        typer.echo(f"ivrc: nothing was sent: {path} has errors", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    if checked.requests == 0:
        client.close()
        _fail(f"{path} has no recipients")
    sample: list[str] = []
    run(template, path, region, lambda row, unique_id, line: sample.append(line), stop_after=1)
    try:
        key = deploy_batch.journal_key()
    except OSError as error:
        client.close()
        # A folder that cannot be written has its own cure; a damaged key says its own.
        hint = "; set XDG_STATE_HOME to a folder that can be written" if error.errno is not None else ""
        _fail(f"the deploy journal's key cannot be kept: {error}{hint}")
    journal = deploy_batch.BatchJournal(file, url, template.digest, key)
    created, started = journal.counts()
    request = template.request
    when = f"at the Unix time {request['schedule']}" if request.get("schedule_type") == "timestamp" else (
        f"{request['schedule']} s after each is started" if "schedule" in request else "as soon as each is started"
    )
    typer.echo(f"Deploying {file} to {url}, one dialer campaign per recipient of {path}:")
    typer.echo(f"  {checked.requests} call{'s' if checked.requests != 1 else ''}, scheduled {when}" + ("; each is started" if start else "; none is started (add --start)"))
    if created:
        typer.echo(f"  the journal has {created} created and {started} started already; those are not sent again")
    typer.echo(f"  at most {concurrency} requests at a time" + (f", {rate:g} a second" if rate else ""))
    typer.echo("The request of the first recipient:")
    typer.echo(json.dumps(json.loads(sample[0]), ensure_ascii=False, indent=2))
    source = read_text(file)
    changes_since(journal.last_deployed(), template.model, file, template.model.config)
    if dry_run:
        journal.close()
        client.close()
        typer.echo("Dry run: nothing was sent.")
        return
    if not yes:
        if not sys.stdin.isatty():
            journal.close()
            client.close()
            _fail("not on a terminal, so nothing can be confirmed; add --yes to send without asking")
        if not typer.confirm(f"Send {checked.requests} requests?", default=False):
            journal.close()
            client.close()
            typer.echo("Nothing was sent.")
            return
    tally = deploy_batch.Tally()
    tick, stop = deploy_batch.progress_printer(checked.requests, lambda line: typer.echo(f"  {line}"), sys.stderr.isatty())
    def each_row() -> Iterator[tuple[int, str, str]]:
        """The rows stream from the file into the sender through a small queue: memory stays flat."""
        import queue
        import threading

        from ivrc.batch import run as run_batch

        handoff: queue.Queue[tuple[int, str, str] | None] = queue.Queue(maxsize=concurrency * 4)

        def produce() -> None:
            try:
                run_batch(template, path, region, lambda row, unique_id, line: handoff.put((row.number, unique_id, line)))
            finally:
                handoff.put(None)

        reader = threading.Thread(target=produce, name="ivrc-recipients", daemon=True)
        reader.start()
        while (item := handoff.get()) is not None:
            yield item
        reader.join()

    try:
        with client:
            deploy_batch.send(deploy_batch.jobs_for(each_row(), journal, start, tally, tick), client, journal, tally, concurrency, rate, tick)
    except KeyboardInterrupt:
        stop()
        journal.close()
        typer.echo(f"\ninterrupted: {tally.line()} Run the same command again to finish.", err=True)
        raise typer.Exit(130) from None
    finally:
        stop()
    if not tally.failed:
        journal.deployed(source)
    journal.close()
    typer.echo(f"Deployed: {tally.line()}")
    for failure in tally.failures:
        typer.echo(f"ivrc: error: {failure}", err=True)
    if tally.changed:
        typer.echo(f"ivrc: {tally.changed} recipient{'s' if tally.changed != 1 else ''} changed since their campaign was created; the service keeps the first values", err=True)
    if tally.failed:
        typer.echo(f"ivrc: {tally.failed} request{'s' if tally.failed != 1 else ''} failed; run the same command again to retry them (journal: {journal.path})", err=True)
        raise typer.Exit(EXIT_FINDINGS)


RESULT_COLUMNS = ("row", "unique_id", "calls", "answered", "hangup_cause", "billsec", "marks", "keys")


def results(template: Template, path: Path, region: str | None, client: Any, output_format: str) -> str:
    """One line per recipient, in row order: the row (to join with the recipients file, which
    keeps the names and numbers), its campaign, and what its call records say."""
    import csv
    import io
    import json
    from concurrent.futures import ThreadPoolExecutor

    from ivrc.api import ServiceError

    wanted: list[tuple[int, str]] = []
    run(template, path, region, lambda row, unique_id, line: wanted.append((row.number, unique_id)))

    def fetch(item: tuple[int, str]) -> dict[str, Any]:
        number, unique_id = item
        try:
            _, records = client.cdr_by_campaign(unique_id)
        except ServiceError as error:
            if error.status != 404:
                raise
            records = []  # not deployed (yet)
        last = records[-1] if records else None
        return {
            "row": number,
            "unique_id": unique_id,
            "calls": len(records),
            "answered": "yes" if any(r.answered for r in records) else ("no" if records else ""),
            "hangup_cause": last.hangup_cause if last else "",
            "billsec": sum(r.billsec for r in records),
            "marks": " ".join(m for r in records for m in r.marks),
            "keys": " ".join(f"{step}:{keys}" for r in records for step, keys in r.keys),
        }

    with ThreadPoolExecutor(max_workers=8) as pool:
        rows = list(pool.map(fetch, wanted))
    if output_format == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, RESULT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    if output_format == "table":
        widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) if rows else len(c) for c in RESULT_COLUMNS}
        lines = ["  ".join(c.ljust(widths[c]) for c in RESULT_COLUMNS).rstrip()]
        lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in RESULT_COLUMNS).rstrip() for r in rows]
        return "\n".join(lines) + "\n"
    return out.getvalue()
