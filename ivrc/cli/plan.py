"""`ivrc plan` and `ivrc apply`: what a deploy would send, checked and written to a file that a
reviewer reads (as markdown in a pull request) and a later pipeline job sends exactly, or refuses
to send when anything it was made from has changed."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import typer

from ivrc.cli.app import (
    CampaignOption,
    ConfigOption,
    EnvOption,
    RecipientsOption,
    RecordingsOption,
    RegionOption,
    _fail,
    _settings,
    app,
)
from ivrc.cli.compliance import StartAtOption
from ivrc.cli.costs import HistoryOption, MaxCostOption
from ivrc.cli.help import Command, choices, complete_files, seconds, whole_number
from ivrc.cli.lint import EXIT_FINDINGS
from ivrc.cli.service import BaseUrlOption, PasswordOption, TimeoutOption, UserOption, _client, deploy_command


@app.command("plan", cls=Command)
def plan_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="The .ivr flow.", show_default=False, autocompletion=complete_files(".ivr")
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="PLAN", help="Write the plan here (readable by you only).")
    ],
    recipients: RecipientsOption = None,
    phones: Annotated[
        Path | None, typer.Option("--phones", metavar="LIST", help="The phone list of a flow with `numbers from …`.")
    ] = None,
    env: EnvOption = None,
    start_at: StartAtOption = None,
    start: Annotated[bool, typer.Option("--start", help="The plan starts each campaign once it is sent.")] = False,
    resend_changed: Annotated[
        bool, typer.Option("--resend-changed", help="Send a changed flow again, as deploy --resend-changed does.")
    ] = False,
    campaign: CampaignOption = None,
    split_by_timezone: Annotated[
        bool,
        typer.Option(
            "--split-by-timezone", help="A phone list whose zones share no calling hours: a campaign per zone."
        ),
    ] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            **choices("text", "markdown", "json"),
            help="How the plan is shown on stdout: text, markdown (for a pull request) or json.",
        ),
    ] = "text",
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 0 when there is nothing to send, 2 when there is, 1 on errors."),
    ] = False,
    history: HistoryOption = None,
    max_cost: MaxCostOption = None,
    recordings: RecordingsOption = None,
    region: RegionOption = None,
    base_url: BaseUrlOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    timeout: TimeoutOption = 30.0,
    config_file: ConfigOption = None,
) -> None:
    """Check everything deploy checks and write the plan: every request that would be sent, the
    service and environment, the digest of every input, what is held back and why, and the change
    since the last deploy. Nothing is sent; `ivrc apply PLAN` sends exactly it."""
    from ivrc.service.plan_file import PlanError, read_header

    output.unlink(missing_ok=True)  # an earlier plan at this place is never taken for this one
    shown = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr) if output_format != "text" else contextlib.nullcontext():
            deploy_command(
                file=file, phones=phones, recordings=recordings, start=start, dry_run=True, yes=True,
                base_url=base_url, user=user, password=password, timeout=timeout, region=region,
                recipients=recipients, concurrency=4, rate=None, resend_changed=resend_changed, campaign=campaign,
                show_request=False, skip_invalid=None, start_at=start_at, env=env, split_by_timezone=split_by_timezone,
                history=history, max_cost=max_cost, plan_to=output, plan_format="text", config_file=config_file,
            )  # fmt: skip
    except typer.Exit as stopped:
        if detailed_exitcode and stopped.exit_code != 0:
            raise typer.Exit(1) from None
        raise
    if not output.is_file():
        typer.echo("ivrc: error: no plan was written: the deploy would not go ahead (see above)", err=True)
        raise typer.Exit(1)
    try:
        header = read_header(output)
    except PlanError as error:
        _fail(str(error))
    if output_format == "markdown":
        shown.write(markdown(header))
    elif output_format == "json":
        shown.write(json.dumps(header, ensure_ascii=False, indent=2) + "\n")
    if detailed_exitcode:
        raise typer.Exit(2 if header["to_send"] else 0)


def markdown(header: dict[str, Any]) -> str:
    """The plan for a pull-request comment: what it sends where, the counts, the change, one
    request (each recipient's value by its column: no one's data), and what is held back."""
    figures = header.get("figures", {})
    where = f"`{header['service']}`" + (f" (environment `{header['env']}`)" if header.get("env") else "")
    lines = [
        f"### ivrc plan: `{header['flow']}`",
        "",
        f"**{header['to_send']}** campaign{'s' if header['to_send'] != 1 else ''} to send to {where}"
        + (", each started" if header.get("start") else "")
        + f"; made {header['made_at']} by ivrc {header['inputs']['ivrc']}.",
        "",
        "| figure | count |",
        "|---|---:|",
    ]
    for name, value in figures.items():
        if isinstance(value, int):
            lines.append(f"| {name.replace('_', ' ')} | {value} |")
    held = figures.get("held_back_by_reason") or {}
    if held:
        lines += ["", "**Held back by the policy**", ""]
        lines += [
            f"- {count} {reason.replace('suppressed:', 'on the do-not-call list ')}" for reason, count in held.items()
        ]
    for name in ("first_call", "last_call"):
        if name in figures:
            lines.append(f"- {name.replace('_', ' ')}: {figures[name]['local']} ({figures[name]['time_zone']})")
    lines += cost_lines(header.get("cost"))
    lines += [
        "",
        "**Change since the last deploy**",
        "",
        "```",
        header.get("diff") or "The first deploy of this flow to this service.",
        "```",
    ]
    if header.get("sample"):
        lines += ["", "<details><summary>One request</summary>", "", "```json"]
        lines += [json.dumps(header["sample"], ensure_ascii=False, indent=2), "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def cost_lines(cost: dict[str, Any] | None) -> list[str]:
    """The expected cost, for the markdown plan."""
    if not cost:
        return []
    unit = cost["currency"] + " " if cost["currency"] else ""
    money = f"{unit}{cost['cost']:.2f}"
    lines = [
        "",
        f"**Expected cost: {money}** for {cost['calls']} calls, {cost['billed_minutes']:.1f} billed minutes at "
        f"{cost['increment']} ("
        + (f"from {cost['from']}" if cost["from"] else "every call answered, on the main path")
        + ")",
    ]
    if cost["unpriced"]:
        lines.append(f"- {cost['unpriced']} numbers have no price in `per_minute`")
    if cost["over_by"] is not None:
        lines.append(
            f"- :warning: {unit}{cost['over_by']:.2f} over the limit of {unit}{cost['max_cost']:.2f}: "
            "apply needs `--yes`"
        )
    return lines


@app.command("apply", cls=Command)
def apply_command(
    plan: Annotated[
        Path, typer.Argument(metavar="PLAN", help="A plan written by `ivrc plan -o PLAN`.", show_default=False)
    ],
    env: EnvOption = None,
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", metavar="N", parser=whole_number, help="Requests in flight at once."),
    ] = 4,
    rate: Annotated[
        float | None, typer.Option("--rate", metavar="R", parser=seconds, help="At most R requests a second.")
    ] = None,
    max_cost: MaxCostOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send a plan above the cost limit all the same.")] = False,
    base_url: BaseUrlOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    timeout: TimeoutOption = 30.0,
    config_file: ConfigOption = None,
) -> None:
    """Send exactly the plan's requests, without asking; a run cut short is finished by running it
    again (the same journal as deploy). Refuses, sending nothing, when an input changed since the
    plan, when it was made for another environment or service, or when a time in it is past."""
    from ivrc import __version__
    from ivrc.insight.ci_report import repository_root
    from ivrc.service import plan_file

    try:
        header = plan_file.read_header(plan)
    except plan_file.PlanError as error:
        _fail(str(error))
    root = repository_root()
    flow = root / header["flow"]
    config = _settings(flow, config_file, env=env if env is not None else header.get("env"))
    client, url = _client(base_url, user, password, timeout, connections=concurrency, config=config)
    recipients = root / header["recipients"] if header.get("recipients") else None
    phones = root / header["phones"] if header.get("phones") else None
    recordings = _recordings(flow, config) if header["kind"] == "flow" else []
    now = plan_file.inputs(flow, recipients, phones, recordings, config, __version__)
    refused = plan_file.refusals(header, now, config.env, url, time.time())
    if refused:
        client.close()
        for reason in refused:
            typer.echo(f"ivrc: error: the plan cannot be applied: {reason}", err=True)
        typer.echo(f"ivrc: nothing was sent; make the plan again with `ivrc plan {header['flow']} …`", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    if not yes:
        _refuse_dear(header.get("cost"), max_cost, config, client.close)
    if header["to_send"] == 0:
        client.close()
        typer.echo("Nothing to send: the plan has no campaign to send.")
        return
    if header["kind"] == "personal":
        _apply_personal(plan, header, flow, config, client, url, concurrency, rate)
    else:
        _apply_flow(plan, header, flow, phones, config, client)


def _refuse_dear(cost: dict[str, Any] | None, limit: Any, config: Any, close: Any) -> None:
    """A plan whose expected cost is above the limit (--max-cost, else the tariff's `max_cost`,
    else the limit the plan was made with) is not applied without --yes."""
    from decimal import Decimal

    from ivrc.cli.costs import refuse

    cap = limit if limit is not None else (config.pricing.max_cost if config.pricing is not None else None)
    if cap is None and cost is not None and cost.get("max_cost") is not None:
        cap = Decimal(str(cost["max_cost"]))  # the limit the plan was made with (`plan --max-cost`)
    if cap is None:
        return
    if cost is None:
        refuse(
            "the plan has no expected cost (it was made without `[pricing]`), so it cannot be held to the limit", close
        )
        return
    expected = Decimal(str(cost["cost"]))
    money = (cost["currency"] + " " if cost["currency"] else "") + "{:.2f}"
    if expected > cap:
        refuse(
            f"the plan's expected cost {money.format(expected)} is {money.format(expected - cap)} over the limit of "
            f"{money.format(cap)}",
            close,
        )
    elif cost["unpriced"]:
        refuse(f"{cost['unpriced']} numbers of the plan have no price, so its cost cannot be held to the limit", close)


def _recordings(flow: Path, config: Any) -> list[Path]:
    from ivrc.build.library import analyze
    from ivrc.language import model as semantics
    from ivrc.language.files import read_text
    from ivrc.service import deploy

    result = analyze(read_text(flow), path=str(flow), config=config)
    if result.flow is None:
        return []
    names = [t.value for t in semantics.recordings(semantics.build(result.flow, config))]
    try:
        return deploy.check_recordings(names, config.recordings)
    except deploy.DeployError:
        return []


def _apply_personal(
    plan: Path,
    header: dict[str, Any],
    flow: Path,
    config: Any,
    client: Any,
    url: str,
    concurrency: int,
    rate: float | None,
) -> None:
    from ivrc.cli import batch as cli_batch
    from ivrc.cli.batch_plan import Sending
    from ivrc.service import batch_journal
    from ivrc.service.plan_file import read_items

    try:
        key = batch_journal.journal_key()
        journal = batch_journal.BatchJournal(flow, url, header["campaign"], key, config.env)
    except (OSError, batch_journal.JournalError) as error:
        client.close()
        _fail(f"the deploy journal cannot be kept: {error}; nothing was sent")
    first = next(read_items(plan))
    cli_batch._confirm_credentials(client, first["unique_id"], journal)

    def source(hand: Any) -> None:
        for item in read_items(plan):
            hand(SimpleNamespace(number=item["row"]), item["unique_id"], item["line"])

    how = Sending(start=header["start"], yes=True, concurrency=concurrency, rate=rate,
                  resend_changed=header["resend_changed"])  # fmt: skip
    typer.echo(f"Applying {plan}: {header['to_send']} campaigns of {header['flow']} to {url}:")
    tally = cli_batch.send(flow, None, None, None, client, journal, header["to_send"], how, None, source)
    journal.close()
    typer.echo(f"Applied: {tally.line()}")
    for failure in tally.failures:
        typer.echo(f"ivrc: error: {failure}", err=True)
    if tally.failed:
        typer.echo(f"ivrc: {tally.failed} failed; apply the same plan again to retry them", err=True)
        raise typer.Exit(EXIT_FINDINGS)


def _apply_flow(plan: Path, header: dict[str, Any], flow: Path, phones: Path | None, config: Any, client: Any) -> None:
    from ivrc.build.library import analyze
    from ivrc.cli import deploy_one
    from ivrc.language import model as semantics
    from ivrc.language.files import read_text
    from ivrc.service import deploy
    from ivrc.service.plan_file import read_items

    source = read_text(flow)
    result = analyze(source, path=str(flow), config=config)
    assert result.flow is not None  # its digest is the plan's, and the plan was made from a flow that compiled
    model = semantics.build(result.flow, config)
    names = [t.value for t in semantics.recordings(model)]
    plans = []
    for item in read_items(plan):
        numbers = item.get("numbers")
        keep = set(numbers).__contains__ if numbers is not None else None
        plans.append(
            deploy.plan(
                flow,
                item["request"],
                names,
                str(header["service"]),
                phones,
                config.recordings,
                header["start"],
                model.region,
                keep,
                item.get("part"),
                config.env,
            )  # fmt: skip
        )
    with client:
        for the_plan in plans:
            deploy_one.send_one(the_plan, client, source, header["start"])
