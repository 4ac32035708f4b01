"""The commands that talk to the service: `ivrc deploy`, `ivrc cdr`, and `ivrc emulator`."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ivrc.cli import compliance as cli_compliance
from ivrc.cli import costs as cli_costs
from ivrc.cli import deploy_one
from ivrc.cli.app import (
    CampaignOption,
    ConfigOption,
    EnvOption,
    RecipientsOption,
    RecordingsOption,
    RegionOption,
    SkipInvalidOption,
    _fail,
    _flow_region,
    _folder,
    _name_campaign,
    _read,
    _region,
    _report,
    _settings,
    app,
)
from ivrc.cli.compliance import StartAtOption
from ivrc.cli.help import Command, choices, complete_files, seconds, whole_number
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from ivrc.language.config import Config

BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url", metavar="URL", help="The service's address (default: IVRC_BASE_URL, else the API document's)."
    ),
]
UserOption = Annotated[
    str | None, typer.Option("--user", metavar="NAME", help="User name (default: IVRC_USERNAME, else netrc).")
]
PasswordOption = Annotated[
    str | None, typer.Option("--password", metavar="SECRET", help="Password (default: IVRC_PASSWORD, else netrc).")
]


TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout", metavar="SECONDS", parser=seconds, help="How long to wait for each answer of the service."
    ),
]


def _client(  # type: ignore[no-untyped-def]
    base_url: str | None,
    user: str | None,
    password: str | None,
    timeout: float = 30.0,
    connections: int = 10,
    config: Config | None = None,
):
    """A client for the service; credentials from flags, the environment or netrc, never printed.
    With an ivrc environment (`--env`), its service and the variables it names for credentials."""
    from urllib.parse import urlsplit, urlunsplit

    from ivrc.service.api import DEFAULT_BASE_URL, DialerClient, Retry, credentials_for

    if config is not None and config.env is not None:
        chosen = config.environments[config.env]
        base_url = base_url or chosen.base_url
        user = user or _variable(chosen.username_env, config.env, "user name")
        password = password or _variable(chosen.password_env, config.env, "password")

    url = base_url or os.environ.get("IVRC_BASE_URL") or DEFAULT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _fail(f"--base-url: `{parts.scheme}://{parts.hostname or ''}` is not an http(s) address")
    if parts.username is not None:  # http://user:password@host, as the document writes it
        from urllib.parse import unquote

        user = user or unquote(parts.username)
        password = password or unquote(parts.password or "")
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, host, parts.path, "", ""))
    credentials = credentials_for(url, user, password)
    if credentials is None:
        _fail(
            "no credentials: set IVRC_USERNAME and IVRC_PASSWORD, add a netrc entry for the service, or pass --user "
            "and --password"
        )
    notice = lambda line: typer.echo(f"ivrc: {line}", err=True)  # noqa: E731
    return DialerClient(
        credentials, url, read_timeout=timeout, retry=Retry(notice=notice), connections=connections
    ), url


def _variable(name: str | None, env: str, what: str) -> str | None:
    """The credential an environment keeps in the variable `name`; a variable that is not set is an error."""
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        _fail(f"--env {env}: its {what} is in ${name}, which is not set; nothing was sent")
    return value


@app.command("deploy", cls=Command)
def deploy_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="The .ivr flow to deploy.", show_default=False, autocompletion=complete_files(".ivr")
        ),
    ],
    phones: Annotated[
        Path | None,
        typer.Option(
            "--phones",
            metavar="LIST",
            help="The phone list (.csv, .txt, .zip or .gz) for a flow with `numbers from …`.",
        ),
    ] = None,
    recordings: RecordingsOption = None,
    start: Annotated[bool, typer.Option("--start", help="Start the campaign once everything is uploaded.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and print the plan; send nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before sending.")] = False,
    base_url: BaseUrlOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    timeout: TimeoutOption = 30.0,
    region: RegionOption = None,
    recipients: RecipientsOption = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", metavar="N", parser=whole_number, help="With --recipients: requests in flight at once."
        ),
    ] = 4,
    rate: Annotated[
        float | None,
        typer.Option("--rate", metavar="R", parser=seconds, help="With --recipients: at most R requests a second."),
    ] = None,
    resend_changed: Annotated[
        bool,
        typer.Option(
            "--resend-changed",
            help=(
                "Send a changed flow again, as a new campaign, to those an earlier version was sent to (a second "
                "call); with --recipients, to each recipient whose request changed."
            ),
        ),
    ] = False,
    campaign: CampaignOption = None,
    show_request: Annotated[
        bool,
        typer.Option(
            "--show-request", help="With --recipients: print the first recipient's whole request in the plan."
        ),
    ] = False,
    skip_invalid: SkipInvalidOption = None,
    start_at: StartAtOption = None,
    env: EnvOption = None,
    split_by_timezone: Annotated[
        bool,
        typer.Option(
            "--split-by-timezone",
            help=(
                "With a phone list whose time zones share no calling hours: one campaign per zone, each at its own "
                "first allowed moment after --start-at."
            ),
        ),
    ] = False,
    history: cli_costs.HistoryOption = None,
    max_cost: cli_costs.MaxCostOption = None,
    plan_to: Annotated[Path | None, typer.Option("--plan-out", hidden=True)] = None,  # `ivrc plan -o PLAN`
    plan_format: Annotated[
        str,
        typer.Option(
            "--format",
            **choices("text", "json"),
            help="The plan as text, or its figures as JSON on stdout (the rest on stderr), for a pipeline.",
        ),
    ] = "text",
    config_file: ConfigOption = None,
) -> None:
    """Compile and check FILE, show the plan, then upload recordings, create the campaign,
    upload the phone list and start it. Run it again to finish a deploy that was cut short.
    A template flow with --recipients becomes one campaign per recipient."""

    def checks() -> Callable[[], None] | None:
        """Everything before the first request; returns the sending, or None when there is none."""
        from ivrc.build.library import analyze
        from ivrc.language import model as semantics
        from ivrc.service import deploy

        try:
            source = _read(file)
        except UsageError as error:
            _fail(str(error))
        if start_at is not None and start_at.timestamp() <= time.time():
            # The service refuses a schedule that is not in the future (api-notes 12).
            _fail(f"--start-at {start_at.isoformat()} is not in the future; the service would refuse every request")
        folder = _folder(recordings, "--recordings")
        config = _settings(file, config_file, env=env, region=_region(region), recordings=folder)
        personal = recipients or config.recipients
        result = analyze(source, path=str(file), config=config, emit_request=True, recipients=personal is not None)
        _report(result, source, sys.stderr)
        if result.template is not None and personal is not None:
            from ivrc.cli import batch as cli_batch
            from ivrc.cli.batch_plan import Sending

            if not 1 <= concurrency <= 64:
                _fail(f"--concurrency {concurrency}: give 1 to 64 requests at once")
            _name_campaign(result, campaign)
            client, url = _client(base_url, user, password, timeout, connections=concurrency, config=config)
            how = Sending(
                start,
                dry_run,
                yes,
                concurrency,
                rate,
                resend_changed,
                show_request,
                skip_invalid,
                start_at,
                plan_format,
                plan_to,
                history,
                max_cost,
            )
            region_of = _flow_region(result, config)
            return lambda: cli_batch.deploy(file, result, personal, region_of, client, url, how, plan_out)
        for flag, given in (
            ("--campaign", campaign is not None),
            ("--show-request", show_request),
            ("--skip-invalid", skip_invalid is not None),
        ):
            if given:
                _fail(f"{flag} is for a personal campaign: a template flow with --recipients")
        if result.request is not None and recipients is not None:
            _fail(f"--recipients: {file} takes no values from recipients; a template flow uses `recipient.NAME` fields")
        if result.request is None:
            typer.echo("ivrc: nothing was sent: the flow has errors", err=True)
            raise typer.Exit(EXIT_FINDINGS)
        model = semantics.build(result.flow, config)  # type: ignore[arg-type]
        names = [t.value for t in semantics.recordings(model)]
        client, url = _client(base_url, user, password, timeout, config=config)
        # The policy: numbers held back, the one call time checked (or found, with --start-at).
        parts, until = cli_compliance.one_schedule(
            file,
            model,
            result.request,
            phones,
            start_at,
            split_by_timezone,
            url,
            client.close,
            plan_out if plan_format == "json" else None,
        )
        plans = []
        for request, keep, part in parts:
            try:
                # The phone list is read as the flow's own numbers are: with its `region`, else --region.
                plans.append(
                    deploy.plan(
                        file,
                        request,
                        names,
                        url,
                        phones,
                        config.recordings,
                        start,
                        model.region,
                        keep,
                        part,
                        config.env,
                    )
                )
            except deploy.DeployError as error:
                client.close()
                typer.echo(f"ivrc: error: {error}", err=True)
                typer.echo("ivrc: nothing was sent", err=True)
                raise typer.Exit(EXIT_FINDINGS) from None
        for the_plan in plans:
            if not deploy_one.show_plan(the_plan, file, url, client, model, config, resend_changed, dry_run):
                return None
        cost = cli_costs.estimate(config, result.request, history, result.request.get("unique_id"))
        cli_costs.add_numbers(cost, cli_costs.plan_numbers(plans, model.region))
        cli_costs.show(cost, max_cost)
        if plan_to is not None:  # `ivrc plan -o PLAN`: the plan is written, nothing is sent
            client.close()
            priced = cost.figures(max_cost) if cost is not None else None
            deploy_one.save_plan(plan_to, plans, file, url, phones, model, config, start, until, priced)
            return None
        if all(all(p.journal.done(step.key) for step in p.steps) for p in plans):
            client.close()
            typer.echo("Nothing to send: every step is done.")
            return None
        if dry_run:
            client.close()
            typer.echo("Dry run: nothing was sent.")
            return None
        if not yes:
            cli_costs.refuse(cli_costs.too_dear(cost, max_cost), client.close)
            if not sys.stdin.isatty():
                client.close()
                _fail("not on a terminal, so nothing can be confirmed; add --yes to send without asking")
            question = "Send it?" if len(plans) == 1 else f"Send these {len(plans)} campaigns?"
            if not typer.confirm(question, default=False):
                client.close()
                typer.echo("Nothing was sent.")
                raise typer.Exit(EXIT_OK)

        def send() -> None:
            with client:
                for the_plan in plans:
                    deploy_one.send_one(the_plan, client, source, start)

        return send

    plan_out = sys.stdout  # with --format json, the plan's figures alone go here; the rest to stderr
    with contextlib.redirect_stdout(sys.stderr) if plan_format == "json" else contextlib.nullcontext():
        with deploy_one.until_sending():
            sending = checks()
        if sending is not None:
            sending()
