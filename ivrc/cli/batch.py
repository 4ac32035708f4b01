"""The command line's side of deploying a personal campaign: the checks, the credentials, the
plan that says whom each deploy calls and why, the question, and the sending, which a Ctrl-C
or a refusal of the credentials stops at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivrc.cli import batch_plan
from ivrc.cli.batch_plan import Sending
from ivrc.cli.recipients import report, run, unreadable
from ivrc.insight import render

if TYPE_CHECKING:
    from ivrc.build.batch import Rejected
    from ivrc.build.library import Result
    from ivrc.build.recipients import Row
    from ivrc.build.template import Template
    from ivrc.compliance.gate import Gate
    from ivrc.service.batch_journal import BatchJournal
    from ivrc.service.deploy_batch import Tally


def deploy(
    file: Path, result: Result, path: Path, region: str | None, client: Any, url: str, how: Sending, out: Any = None
) -> None:
    """`ivrc deploy FLOW --recipients FILE`: check every row first (any error: nothing is sent),
    confirm the credentials, print the plan (who gets what, by the journal), ask, then send one
    campaign per recipient. A Ctrl-C before the sending says that nothing was sent. With
    `--format json` the plan's figures are all that stdout gets; everything else goes to stderr."""
    import contextlib
    import sys

    out = out or sys.stdout  # where `--format json` writes the plan
    with contextlib.redirect_stdout(sys.stderr) if how.plan_format == "json" else contextlib.nullcontext():
        _deploy(file, result, path, region, client, url, how, out)


def _deploy(
    file: Path, result: Result, path: Path, region: str | None, client: Any, url: str, how: Sending, out: Any
) -> None:
    import typer

    from ivrc.cli.lint import EXIT_FINDINGS

    try:
        prepared = _prepare(file, result, path, region, client, url, how, out)
    except KeyboardInterrupt:
        client.close()
        typer.echo("\nivrc: interrupted before sending: nothing was sent", err=True)
        raise typer.Exit(130) from None
    if prepared is None:
        return
    journal, requests, rejected, gate = prepared
    template = result.template
    assert template is not None
    tally = send(file, template, path, region, client, journal, requests, how, gate)
    journal.close()
    left_out = (
        f" {len(rejected)} row{'s' if len(rejected) != 1 else ''} with errors left out ({how.skip_invalid})."
        if rejected
        else ""
    )
    typer.echo(f"Deployed: {tally.line()}{left_out}")
    for failure in tally.failures:
        typer.echo(f"ivrc: error: {failure}", err=True)
    if tally.changed:
        typer.echo(
            f"ivrc: changed since sent: {batch_plan.keep(tally.changed)}; "
            "--resend-changed sends it to them again (a second call)",
            err=True,
        )
    if tally.failed:
        typer.echo(
            f"ivrc: {tally.failed} request{'s' if tally.failed != 1 else ''} failed; run the same command again to "
            f"retry them (journal: {journal.path})",
            err=True,
        )
        raise typer.Exit(EXIT_FINDINGS)


def _prepare(
    file: Path, result: Result, path: Path, region: str | None, client: Any, url: str, how: Sending, out: Any
) -> tuple[BatchJournal, int, list[Rejected], Gate | None] | None:
    """Everything before the first request: the checks, the journal, the credentials, the plan
    and the question. Returns the open journal when there is something to send and the user said yes."""
    import sys

    import typer

    from ivrc.cli import compliance as cli_compliance
    from ivrc.cli import costs as cli_costs
    from ivrc.cli.app import _fail, _write_rejected
    from ivrc.cli.insight import changes_since
    from ivrc.cli.lint import EXIT_FINDINGS, EXIT_USAGE
    from ivrc.cli.lint import colour as _colour
    from ivrc.language.diagnostics import has_errors
    from ivrc.service import batch_journal, deploy_batch

    template = result.template
    assert template is not None
    gate = cli_compliance.gate(template, region, how.start_at, client.close)
    checked = run(template, path, region, keep_rejected=how.skip_invalid is not None, gate=gate)
    if checked.diagnostics:
        # A plan's output is kept in a pipeline's log: findings by their row, without the row's values.
        shown = (
            report(path, checked.diagnostics)
            if how.plan_to is None
            else render.FileReport(str(path), None, tuple(checked.diagnostics))
        )
        sys.stderr.write(render.text_report([shown], _colour(sys.stderr)))
    if has_errors(checked.diagnostics) and how.skip_invalid is not None and checked.row_errors_only(str(path)):
        _write_rejected(how.skip_invalid, checked, client.close)
    elif has_errors(checked.diagnostics):
        client.close()
        why = (
            " that are not a row's own (--skip-invalid leaves out rows, not the file's header)"
            if how.skip_invalid is not None
            else ""
        )
        typer.echo(f"ivrc: nothing was sent: {path} has errors{why}", err=True)
        raise typer.Exit(EXIT_USAGE if unreadable(checked.diagnostics) else EXIT_FINDINGS)
    counts = cli_compliance.figures(checked, gate, path)
    if checked.requests == 0:
        client.close()
        if how.plan_format == "json":
            batch_plan.json_plan(counts, file, url, template, None, out)
        held = f" ({checked.held} held back by the policy)" if checked.held else ""
        _fail(f"{path} has no recipients to call" + (" without errors" if checked.rejected else "") + held)
    try:
        key = batch_journal.journal_key()
    except OSError as error:
        client.close()
        # A folder that cannot be written has its own cure; a damaged key says its own.
        hint = "; set XDG_STATE_HOME to a folder that can be written" if error.errno is not None else ""
        _fail(f"the deploy journal's key cannot be kept: {error}{hint}")
    try:
        journal = batch_journal.BatchJournal(file, url, template.campaign, key, template.model.config.env)
    except batch_journal.JournalError as error:
        client.close()
        _fail(f"{error}; nothing was sent")
    sample: list[tuple[Row, str, str]] = []  # the first recipient who is sent, for the plan
    seen = deploy_batch.Outlook()
    saved = batch_plan.Saved(how.plan_to) if how.plan_to is not None else None  # `ivrc plan -o PLAN`
    cost = cli_costs.estimate(template.model.config, template.request, how.history, template.campaign)
    fixed = str(template.request.get("number") or template.request.get("leg_a") or "")
    current: dict[str, str] = {}  # the values of the row being foreseen, for its cost

    def foresee(row: Row, unique_id: str, line: str) -> None:
        if not sample:
            sample.append((row, unique_id, line))
        known = journal.state(unique_id)
        decision = deploy_batch.decide(known, journal.digest(line), how.start, how.resend_changed)
        seen.add(decision, known)
        if decision in (deploy_batch.NEW, deploy_batch.START, deploy_batch.RESEND):
            if cost is not None:
                cost.add(current.get(template.number_field or "", fixed), current)
            if saved is not None:
                saved.add(row.number, unique_id, line)

    def priced(values: dict[str, str]) -> None:
        current.clear()
        current.update(values)

    try:
        run(template, path, region, foresee, gate=gate, priced=priced if cost is not None else None)
    except BaseException:
        if saved is not None:
            saved.abandon()
        raise
    if not sample:  # the file changed between the two readings
        journal.close()
        client.close()
        _fail(f"{path} changed while it was being read; nothing was sent, run the command again")
    _confirm_credentials(client, sample[0][1], journal)
    if how.plan_format == "json":
        priced_counts = {**counts, "cost": cost.figures(how.max_cost)} if cost is not None else counts
        batch_plan.json_plan(priced_counts, file, url, template, seen, out)
    batch_plan.plan(
        file,
        url,
        path,
        template,
        checked,
        seen,
        journal,
        how,
        counts if gate is not None and gate.policy.source is not None else None,
    )
    cli_costs.show(cost, how.max_cost)
    batch_plan.sample(sample[0], template, how.show_request, private=how.plan_to is not None)
    changes_since(journal.last_deployed(), template.model, file, template.model.config)
    if saved is not None:
        until = gate.figures.until if gate is not None else None  # rows that ring on arrival: until then
        saved.finish(
            file, url, path, template, how, {**counts, **batch_plan.outlook(seen)}, journal.last_deployed(), until,
            cost.figures(how.max_cost) if cost is not None else None,
        )  # fmt: skip
        journal.close()
        client.close()
        return None
    if not (seen.new or seen.start or seen.resend):
        journal.close()
        client.close()
        parts = (
            [f"{batch_plan.people(seen.done)} {'has' if seen.done == 1 else 'have'} what this deploy would send them"]
            if seen.done
            else []
        )
        parts += [batch_plan.keep(seen.changed)] if seen.changed else []
        typer.echo(f"Nothing to send: {'; '.join(parts)}.")
        return None
    if how.dry_run:
        journal.close()
        client.close()
        typer.echo("Dry run: nothing was sent.")
        return None
    if not how.yes:
        cli_costs.refuse(cli_costs.too_dear(cost, how.max_cost), lambda: _close(journal, client))
        if not sys.stdin.isatty():
            journal.close()
            client.close()
            _fail("not on a terminal, so nothing can be confirmed; add --yes to send without asking")
        sending = seen.new + seen.resend
        question = f"Send {sending} campaign{'s' if sending != 1 else ''}" + (
            f" and start {seen.start} more" if seen.start else ""
        )
        question += f" ({seen.second_calls} of them second calls)?" if seen.second_calls else "?"
        if not typer.confirm(question, default=False):
            journal.close()
            client.close()
            typer.echo("Nothing was sent.")
            return None
    return journal, checked.requests, checked.rejected, gate


def _close(journal: BatchJournal, client: Any) -> None:
    journal.close()
    client.close()


def _confirm_credentials(client: Any, unique_id: str, journal: BatchJournal) -> None:
    """One harmless request (the first recipient's call records) before any campaign is sent:
    wrong credentials or a wrong address stop the deploy here, with nothing sent."""
    from ivrc.cli.app import _service_failure
    from ivrc.service.api import ServiceError

    try:
        client.cdr_by_campaign(unique_id)
    except ServiceError as error:
        if error.status == 404:  # the credentials are good; this recipient is not sent yet
            return
        journal.close()
        client.close()
        _service_failure(error, "the service could not be asked before sending; nothing was sent")


def send(
    file: Path,
    template: Template | None,
    path: Path | None,
    region: str | None,
    client: Any,
    journal: BatchJournal,
    requests: int,
    how: Sending,
    gate: Gate | None = None,
    source: Callable[[Callable[[Any, str, str], None]], None] | None = None,
) -> Tally:
    """Send what the plan said, a Ctrl-C or a refusal of the credentials stopping it at once. The
    rows come from the recipients file through the template, or from `source` (a saved plan's)."""
    import contextlib
    import os
    import queue
    import sys
    import threading

    import typer

    from ivrc.build.batch import run as run_batch
    from ivrc.cli.app import credentials_advice
    from ivrc.cli.lint import EXIT_FINDINGS
    from ivrc.language.files import read_text
    from ivrc.service import deploy_batch

    flow_text = read_text(file)
    tally = deploy_batch.Tally()
    stop = deploy_batch.Stop()
    handoff: queue.Queue[tuple[int, str, str] | None] = queue.Queue(maxsize=how.concurrency * 4)

    class Stopped(Exception):
        pass

    def hand(row: Row, unique_id: str, line: str) -> None:
        while not stop.is_set():
            try:
                handoff.put((row.number, unique_id, line), timeout=0.1)
                return
            except queue.Full:
                continue
        raise Stopped

    def produce() -> None:
        """The rows stream from the file into the sender through a small queue: memory stays flat."""
        with contextlib.suppress(Stopped):
            if source is not None:
                source(hand)
            else:
                assert template is not None and path is not None
                run_batch(template, path, region, hand, gate=gate)
        while not stop.is_set():  # the end, unless the sender has stopped listening
            try:
                handoff.put(None, timeout=0.1)
                break
            except queue.Full:
                continue

    def each_row() -> Iterator[tuple[int, str, str]]:
        while not stop.is_set():
            try:
                item = handoff.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is None:
                return
            yield item

    if gate is not None:
        gate.sending()  # each row judged when it is sent: a long send never calls past a window's end
    tick, close_bar = deploy_batch.progress_printer(requests, lambda line: typer.echo(f"  {line}"), sys.stderr.isatty())
    undo = stop.installed()  # until the last word: a second Ctrl-C while it is said stops at once
    try:
        reader = threading.Thread(target=produce, name="ivrc-recipients", daemon=True)
        reader.start()
        try:
            with client:
                jobs = deploy_batch.jobs_for(each_row(), journal, how.start, tally, tick, how.resend_changed)
                deploy_batch.send(jobs, client, journal, tally, how.concurrency, how.rate, tick, stop)
        finally:
            close_bar()
        reader.join(timeout=5)
        if stop.reason == "interrupt":
            journal.close()
            typer.echo(
                f"ivrc: interrupted: {tally.created} created and {tally.started} started before the stop; nothing "
                "more was sent.",
                err=True,
            )
            if tally.abandoned:
                many = tally.abandoned != 1
                typer.echo(
                    f"ivrc: {tally.abandoned} request{'s' if many else ''} in flight had no answer after "
                    f"{deploy_batch.IN_FLIGHT_GRACE:g} s and "
                    f"{'were' if many else 'was'} left; the next run asks again, and the service takes a repeated "
                    "unique_id for the campaign it has.",
                    err=True,
                )
            typer.echo(
                "ivrc: run the same command again to finish: what the service has is not sent twice (journal: "
                f"{journal.path})",
                err=True,
            )
            if tally.abandoned:  # their threads may wait on the network for long: leave without them
                sys.stderr.flush()
                sys.stdout.flush()
                os._exit(130)
            raise typer.Exit(130)
        if stop.reason == "credentials":
            journal.close()
            for failure in tally.failures:
                typer.echo(f"ivrc: error: {failure}", err=True)
            typer.echo(
                "ivrc: the service refused the credentials, so the deploy stopped at once: nothing more was sent "
                f"({tally.created} created before).",
                err=True,
            )
            typer.echo(f"ivrc: {credentials_advice()}.", err=True)
            raise typer.Exit(EXIT_FINDINGS)
        if not tally.failed:
            journal.deployed(flow_text)
        return tally
    finally:
        undo()
