"""`ivrc cdr`: a campaign's call records, or a personal campaign's results, one line per
recipient, with the columns of the recipients file the user chose and the marks as columns."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ivrc.cli.app import (
    CampaignOption,
    EnvOption,
    RecipientsOption,
    _fail,
    _flow_region,
    _name_campaign,
    _read_or_fail,
    _region,
    _report,
    _settings,
    app,
)
from ivrc.cli.help import Command, choices, whole_number
from ivrc.cli.service import BaseUrlOption, PasswordOption, TimeoutOption, UserOption, _client

if TYPE_CHECKING:
    from ivrc.running.records import CdrRecord


def _phone_option(number: str, region: str | None) -> str:
    """A number given on the command line, read as flows read numbers: E.164 digits, or exit 2."""
    from ivrc.language import phone

    region = _region(region) or _settings(Path.cwd() / "ivrc.toml", None).region
    reading = phone.read(number, region)
    if reading.status == "local":
        _fail(f"--number {number}: a local number needs a region to be read; add --region IL (or the number's country)")
    if reading.digits is None:
        _fail(f"--number {number}: not a phone number ({reading.reason})")
    return reading.digits


@app.command("cdr", cls=Command)
def cdr_command(
    campaign: Annotated[
        str | None,
        typer.Argument(
            metavar="[CAMPAIGN_ID]", help="The campaign's unique_id (not with --recipients).", show_default=False
        ),
    ] = None,
    number: Annotated[str | None, typer.Option("--number", metavar="PHONE", help="Only this number's records.")] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", **choices("table", "csv", "json"), help="table, csv (as the service sent it) or json."
        ),
    ] = "table",
    summary: Annotated[
        bool, typer.Option("--summary", help="Answer rate, hangup causes, marks, and the keys pressed at each step.")
    ] = False,
    opt_outs: Annotated[
        bool,
        typer.Option(
            "--opt-outs",
            help=(
                "Only the numbers that chose a `remove` mark, as lines of a do-not-call list for the policy's "
                "`suppress` (append them: `>> dnc/opt-outs.csv`)."
            ),
        ),
    ] = False,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            metavar="CODE",
            help="How to read a local --number (default: `region` in ivrc.toml or [tool.ivrc]).",
        ),
    ] = None,
    recipients: RecipientsOption = None,
    flow: Annotated[
        Path | None,
        typer.Option(
            "--flow", metavar="FILE", help="With --recipients: the template flow the recipients were called with."
        ),
    ] = None,
    campaign_name: CampaignOption = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="NAMES",
            help="With --recipients: columns of the recipients file to carry into each result (e.g. name,phone).",
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", metavar="N", parser=whole_number, help="With --recipients: campaigns fetched at once."
        ),
    ] = 8,
    base_url: BaseUrlOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    timeout: TimeoutOption = 30.0,
    env: EnvOption = None,
) -> None:
    """Fetch a campaign's call records and show them. With --recipients and --flow: one result
    row per recipient of a personal campaign, joinable to the recipients file by its row, with
    the --columns chosen and a column for each mark; `ivrc report` reads its csv and json."""
    import json

    from ivrc.insight.cdr_report import summary_text, table
    from ivrc.running.records import CdrError
    from ivrc.service.api import ServiceError

    if recipients is not None or flow is not None:
        if recipients is None or flow is None or campaign is not None:
            _fail(
                "--recipients FILE and --flow FILE go together, and take no CAMPAIGN_ID: each recipient has a "
                "campaign of its own"
            )
        if not 1 <= concurrency <= 64:
            _fail(f"--concurrency {concurrency}: give 1 to 64 requests at once")
        chosen = [name.strip() for name in columns.split(",") if name.strip()] if columns else []
        asked = Asked(output_format, summary, chosen, concurrency, campaign_name, opt_outs)
        _recipient_results(flow, recipients, asked, region, base_url, user, password, timeout, env)
        return
    for flag, given in (("--columns", columns is not None), ("--campaign", campaign_name is not None)):
        if given:
            _fail(f"{flag} is for a personal campaign's results: give --recipients and --flow")
    if campaign is None:
        _fail("give the CAMPAIGN_ID, or --recipients and --flow for a personal campaign")
    if number is not None:
        number = _phone_option(number, region)
    config = _settings(Path.cwd(), None, env=env) if env is not None else None
    client, _ = _client(base_url, user, password, timeout, config=config)
    try:
        with client:
            csv_text, records = client.cdr_by_number(campaign, number) if number else client.cdr_by_campaign(campaign)
    except ServiceError as error:
        _fail(str(error))
    except CdrError as error:
        _fail(f"the service's call records cannot be read: {error}")
    if opt_outs:
        sys.stdout.write(opted_out_lines(records, f"campaign {campaign}"))
    elif summary:
        typer.echo(summary_text(records), nl=False)
    elif output_format == "csv":
        sys.stdout.write(csv_text)
    elif output_format == "json":
        sys.stdout.write(json.dumps([r.as_json() for r in records], ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(table(records), nl=False)


@dataclass(frozen=True)
class Asked:
    """What `ivrc cdr --recipients` is to show."""

    output_format: str
    summary: bool
    columns: list[str]
    concurrency: int
    campaign: str | None
    opt_outs: bool = False


def opted_out_lines(records: list[CdrRecord], source: str) -> str:
    """The numbers that chose `mark remove`, each once, in the order they chose it, as lines of a
    do-not-call list: a dated comment, then one E.164 number a line (no header row, so that the
    lines of many campaigns can be appended to one list)."""
    from datetime import datetime, timezone

    numbers = dict.fromkeys(
        "+" + r.phone_number.lstrip("+") for r in records if "remove" in r.marks and r.phone_number.strip()
    )
    today = datetime.now(timezone.utc).date().isoformat()
    said = f"# as of {today}: {len(numbers)} opt-out{'s' if len(numbers) != 1 else ''} of {source}\n"
    return said + "".join(f"{number}\n" for number in numbers)


def _recipient_results(
    flow: Path,
    recipients: Path,
    asked: Asked,
    region: str | None,
    base_url: str | None,
    user: str | None,
    password: str | None,
    timeout: float,
    env: str | None = None,
) -> None:
    """Who answered, who confirmed and who cancelled: each recipient's campaign's records."""
    from ivrc.build.library import analyze
    from ivrc.cli import recipients as cli_recipients
    from ivrc.insight.cdr_report import summary_text
    from ivrc.running.records import CdrError, from_json
    from ivrc.service import recipient_results
    from ivrc.service.api import ServiceError

    source = _read_or_fail(flow)
    config = _settings(flow, None, env=env, region=_region(region))
    result = analyze(source, path=str(flow), config=config, emit_request=True, recipients=True)
    if result.template is None:
        _report(result, source, sys.stderr)
        _fail(f"--flow {flow}: not a template flow that compiles; its recipients' campaigns cannot be named")
    _name_campaign(result, asked.campaign)
    client, url = _client(base_url, user, password, timeout, connections=asked.concurrency, config=config)
    generations = _generations(flow, url, result.template.campaign, config.env)
    try:
        with client:
            header, rows = recipient_results.gather(
                result.template,
                recipients,
                _flow_region(result, config),
                client,
                asked.columns,
                generations,
                asked.concurrency,
                cli_recipients.run,
            )
            if asked.opt_outs or asked.summary:  # `rows` come lazily: read once, by what is shown
                records = [from_json(r) for row in rows for r in row[recipient_results.RECORDS]]
            if asked.opt_outs:
                text = opted_out_lines(records, f"campaign {result.template.campaign}")
            elif asked.summary:
                text = summary_text(records)
            else:
                text = recipient_results.write(header, rows, asked.output_format)
    except recipient_results.ResultsError as error:
        _fail(str(error))
    except ServiceError as error:
        _fail(str(error))
    except CdrError as error:
        _fail(f"the service's call records cannot be read: {error}")
    sys.stdout.write(text)


def _generations(flow: Path, url: str, campaign: str, env: str | None = None):  # type: ignore[no-untyped-def]
    """How many campaigns the deploy journal says each recipient was sent (1 without a journal).
    The journal is only read: a journal kept with another key is passed over, never changed."""
    from ivrc.service.batch_journal import BatchJournal, journal_key, journal_path

    if not journal_path(flow, env).is_file():
        return lambda unique_id: 1
    try:
        journal = BatchJournal.read(flow, url, campaign, journal_key(), env)
    except OSError:
        journal = None
    if journal is None:
        return lambda unique_id: 1

    def generation(unique_id: str) -> int:
        known = journal.state(unique_id)
        return known.generation if known is not None else 1

    return generation
