"""Deploying one campaign of a flow (a single number, or a phone list): its plan as printed,
and its sending, step by step, each recorded in the deploy journal as it is done."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from ivrc.cli.app import _service_failure
from ivrc.cli.insight import changes_since
from ivrc.cli.lint import EXIT_FINDINGS


def show_plan(the_plan, file: Path, url: str, client, model, config, resend_changed: bool, dry_run: bool) -> bool:  # type: ignore[no-untyped-def]
    """Print one campaign's plan; False when it must not go ahead (a changed flow that would call again)."""
    from ivrc.service import deploy
    from ivrc.service.api import ServiceError

    try:
        refreshed = deploy.refresh(the_plan, client)
    except ServiceError as error:
        client.close()
        _service_failure(error, "the journal could not be checked with the service; nothing was sent")
    typer.echo(f"Deploying {file} to {url}:")
    if refreshed:
        typer.echo(f"  ({refreshed})")
    for number, step in enumerate(the_plan.steps, start=1):
        done = " (already done)" if the_plan.journal.done(step.key) else ""
        typer.echo(f"  {number}. {step.words}{done}")
    if the_plan.generated:
        typer.echo(
            f"The flow has no unique_id; this deploy uses {the_plan.unique_id}, derived from the flow and the "
            "service, so a re-run uses it too."
        )
    changes_since(the_plan.journal.last_deployed(), model, file, config)
    earlier = the_plan.journal.started()
    if the_plan.generated and earlier is not None and earlier != the_plan.unique_id:
        # The flow has no unique_id of its own, so its campaign's id changed with its text:
        # sending it would call the same people again. That is a choice to make by name.
        who = "the numbers of its phone list" if the_plan.phones is not None else "its number"
        typer.echo(
            f"The flow changed since campaign {earlier} was started on this service: this deploy creates campaign "
            f"{the_plan.unique_id}, which calls {who} again."
        )
        if not resend_changed:
            client.close()
            if dry_run:
                typer.echo("Dry run: nothing was sent. Add --resend-changed to call them again.")
                return False
            typer.echo(
                "ivrc: nothing was sent: add --resend-changed to call them again, or give the flow a unique_id to "
                "name its campaigns",
                err=True,
            )
            raise typer.Exit(EXIT_FINDINGS)
    return True


@contextlib.contextmanager
def until_sending() -> Iterator[None]:
    """A Ctrl-C during the checks, the plan or the question says what it means: nothing was sent."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("\nivrc: interrupted before sending: nothing was sent", err=True)
        raise typer.Exit(130) from None


def send_one(the_plan, client, source: str, start: bool) -> None:  # type: ignore[no-untyped-def]
    """Send a single flow's plan, step by step, each recorded in its journal as it is done."""
    from ivrc.service import deploy
    from ivrc.service.api import ServiceError

    try:
        deploy.execute(the_plan, client, lambda line: typer.echo(f"  {line}"), _progress)
        the_plan.journal.deployed(source)
    except ServiceError as error:
        done = [s.words for s in the_plan.steps if the_plan.journal.done(s.key)]
        _service_failure(
            error,
            "the deploy stopped part way. Done: " + ("; ".join(done) if done else "nothing") + ".",
            the_plan.journal.path,
        )
    except KeyboardInterrupt:
        done = [s.words for s in the_plan.steps if the_plan.journal.done(s.key)]
        typer.echo(
            "\nivrc: interrupted while sending. Done: " + ("; ".join(done) if done else "nothing") + ".", err=True
        )
        typer.echo(
            "ivrc: run the same command again to finish: what is done is not sent twice (journal: "
            f"{the_plan.journal.path})",
            err=True,
        )
        raise typer.Exit(130) from None
    typer.echo(
        f"Deployed: campaign {the_plan.unique_id}"
        + (" is started." if start else ". Start it with --start when ready.")
    )


def _progress(total: int, _: int):  # type: ignore[no-untyped-def]
    """A progress bar on stderr for a phone list upload, when stderr is a terminal."""
    if not sys.stderr.isatty() or total < 64 * 1024:
        return None
    from rich.progress import Progress

    bar = Progress(transient=True, console=None)
    bar.start()
    task = bar.add_task("uploading the phone list", total=total)
    sent = 0

    def advance(size: int) -> None:
        nonlocal sent
        sent += size
        bar.update(task, advance=size)
        if sent >= total:
            bar.stop()

    return advance


def save_plan(  # type: ignore[no-untyped-def]
    target: Path,
    plans: list,  # type: ignore[type-arg]
    file: Path,
    url: str,
    phones: Path | None,
    model,
    config,
    start: bool,
    until: int | None = None,
    cost: dict | None = None,  # type: ignore[type-arg]
) -> None:
    """`ivrc plan` of a single flow or a phone list: each campaign's request and the numbers its
    list uploads, and what the plan was made from."""
    from ivrc import __version__
    from ivrc.cli.insight import diff_text
    from ivrc.insight.ci_report import from_root
    from ivrc.service import deploy
    from ivrc.service.plan_file import Writer, earliest, inputs

    writer = Writer(target)
    moments = []
    try:
        for the_plan in plans:
            numbers = None
            if the_plan.phones is not None:
                keep = the_plan.phones.keep
                numbers = [
                    n for n in deploy.phone_numbers(the_plan.phones.path, model.region) if keep is None or keep(n)
                ]
            steps = [step.key for step in the_plan.steps if not the_plan.journal.done(step.key)]
            if steps:
                writer.add(
                    {"part": the_plan.journal.part, "request": the_plan.request, "numbers": numbers, "steps": steps}
                )
                moment = earliest(the_plan.request)
                if moment is not None:
                    moments.append(moment)
        recordings = sorted({path for the_plan in plans for path in the_plan.recordings})
        writer.finish(
            {
                "kind": "flow",
                "flow": from_root(str(file)),
                "phones": from_root(str(phones)) if phones is not None else None,
                "env": config.env,
                "service": url,
                "start": start,
                "inputs": inputs(file, None, phones, recordings, config, __version__),
                "figures": {"campaigns": len(plans)},
                "cost": cost,
                "earliest": min(moments) if moments else None,
                "until": until,
                "diff": diff_text(plans[0].journal.last_deployed(), model, file, config),
            }
        )
    except BaseException:
        writer.abandon()
        raise
    count = writer.count
    typer.echo(
        f"Plan written to {target} (readable by you only: it holds the requests): {count} campaign"
        f"{'s' if count != 1 else ''} to send. Nothing was sent."
    )
