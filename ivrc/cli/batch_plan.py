"""The plan of a personal campaign, as `ivrc deploy --recipients` prints it before asking: whom
it calls and why (the journal's word on each recipient, the policy's on whom it holds back),
when, one recipient's request, and, with `--format json`, the same figures for a pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivrc.build.batch import Summary
    from ivrc.build.recipients import Row
    from ivrc.build.template import Template
    from ivrc.service.batch_journal import BatchJournal
    from ivrc.service.deploy_batch import Outlook


@dataclass(frozen=True)
class Sending:
    """How `ivrc deploy FLOW --recipients FILE` sends."""

    start: bool = False
    dry_run: bool = False
    yes: bool = False
    concurrency: int = 4
    rate: float | None = None
    resend_changed: bool = False
    show_request: bool = False
    skip_invalid: Path | None = None  # where the rows left out for their errors are written
    start_at: datetime | None = None  # --start-at: the campaign's start, for the policy's calling hours
    plan_format: str = "text"  # --format json: the plan's figures as JSON on stdout
    plan_to: Path | None = None  # `ivrc plan -o PLAN`: write the plan there, send nothing
    history: list[Path] | None = None  # --history: call records to learn the routes from
    max_cost: Decimal | None = None  # --max-cost


def people(count: int) -> str:
    return f"{count} recipient{'s' if count != 1 else ''}"


def keep(count: int) -> str:
    return (
        f"{people(count)} {'keeps' if count == 1 else 'keep'} the version {'it was' if count == 1 else 'they were'} "
        "sent"
    )


def plan(
    file: Path,
    url: str,
    path: Path,
    template: Template,
    checked: Summary,
    seen: Outlook,
    journal: BatchJournal,
    how: Sending,
    counts: dict[str, Any] | None = None,
) -> None:
    """Whom this deploy calls and why, before anything is sent (on stderr with --format json)."""
    import functools

    import typer

    from ivrc.cli import compliance as cli_compliance

    say = functools.partial(typer.echo, err=how.plan_format == "json")

    requests = checked.requests

    origin = (
        "--campaign"
        if template.campaign != template.flow_id and template.named
        else ("the flow's unique_id" if template.named else "the flow's file name")
    )
    say(
        f"Deploying {file} to {url}, campaign {template.campaign} ({origin}), one dialer campaign per recipient of "
        f"{path}:"
    )
    request = template.request
    if counts is not None:
        say(f"  the policy ({template.model.config.policy.source if template.model.config.policy else ''}):")
        for line in cli_compliance.lines(counts):
            say(f"    {line}")
    when = (
        f"at {local_time(int(how.start_at.timestamp()))} (--start-at)"
        if how.start_at is not None
        else f"at {local_time(int(request['schedule']))}"
        if request.get("schedule_type") == "timestamp"
        else (
            f"{request['schedule']} s after each is started" if "schedule" in request else "as soon as each is started"
        )
    )
    say(
        f"  {requests} recipient{'s' if requests != 1 else ''}, each called "
        + ("at their first allowed moment" if counts is not None and "first_call" in counts else when)
        + ("; each is started" if how.start else "; none is started (add --start)")
    )
    if checked.empty_rows:
        say(f"  {checked.empty_rows} empty row{'s' if checked.empty_rows != 1 else ''} of {path} skipped")
    if checked.rejected:
        say(
            f"  {len(checked.rejected)} row{'s' if len(checked.rejected) != 1 else ''} with errors left out, not sent "
            f"(--skip-invalid: written to {how.skip_invalid})"
        )
    sent = seen.done + seen.start + seen.changed + seen.resend
    if sent:
        say(f"  {seen.new} new, {sent} sent before (the journal: {journal.path})")
    if seen.start:
        say(f"  {seen.start} sent before and not started: started now")
    if seen.changed:
        say(
            f"  the flow changed since: {keep(seen.changed)}; "
            "--resend-changed sends it to them again, or --campaign NAME begins a new campaign for everyone"
        )
    if seen.resend:
        say(
            f"  --resend-changed: {people(seen.resend)} changed since they were sent get it again as a new campaign; "
            f"{seen.second_calls} of them {'were' if seen.second_calls != 1 else 'was'} called already and get a "
            "second call"
        )
    others = journal.other_campaigns()
    if others:
        say(
            f"  the journal also knows {people(others)} sent this flow under another campaign name; each campaign "
            "calls its own recipients once"
        )
    say(f"  at most {how.concurrency} requests at a time" + (f", {how.rate:g} a second" if how.rate else ""))


def json_plan(counts: dict[str, Any], file: Path, url: str, template: Template, seen: Outlook | None, out: Any) -> None:
    """`--format json`: the plan's figures, one JSON object on stdout, for a pipeline to read."""
    import json

    import typer

    plan = {"flow": str(file), "service": url, "campaign": template.campaign, **counts}
    if seen is not None:
        plan.update(
            new=seen.new,
            sent_before=seen.done + seen.start + seen.changed + seen.resend,
            changed_since_sent=seen.changed,
            second_calls=seen.second_calls,
        )
    typer.echo(json.dumps(plan, ensure_ascii=False, indent=2), file=out)


def local_time(moment: int) -> str:
    """A Unix time as a date and time in this machine's zone, with the zone: `2036-12-01 09:00 IST (UTC+02:00)`."""
    from datetime import datetime, timezone

    local = datetime.fromtimestamp(moment, timezone.utc).astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def sample(sample: tuple[Row, str, str], template: Template, whole: bool, private: bool = False) -> None:
    """The first recipient's request: what differs per recipient, or the whole JSON with
    --show-request. `private` (a plan, whose output a pipeline's log keeps): no one's values."""
    import json

    import typer

    row, unique_id, line = sample
    if private:
        typer.echo(
            f"What differs per recipient: the unique_id and {', '.join(f'`recipient.{n}`' for n in template.roles)} "
            "(the plan file holds each request; its output shows no one's values)."
        )
        return
    if whole:
        typer.echo(f"The request of the first recipient (row {row.number}):")
        typer.echo(json.dumps(json.loads(line), ensure_ascii=False, indent=2))
        return
    values = ", ".join(
        f"{name} = {json.dumps(row.cells[name].value.strip(), ensure_ascii=False)}"
        for name in template.roles
        if name in row.cells
    )
    typer.echo(f"The first recipient (row {row.number}): unique_id {unique_id}, {values}.")
    typer.echo(
        "  What differs per recipient: the unique_id and "
        + ", ".join(f"`recipient.{name}`" for name in template.roles)
        + "; the rest of the request is the same for all (--show-request prints it whole)."
    )


def outlook(seen: Outlook) -> dict[str, int]:
    """The journal's word on the recipients, as a plan's figures."""
    return {
        "new": seen.new,
        "sent_before": seen.done + seen.start + seen.changed + seen.resend,
        "to_start": seen.start,
        "changed_since_sent": seen.changed,
        "resent": seen.resend,
        "second_calls": seen.second_calls,
    }


class Saved:
    """A personal campaign's plan being written (`ivrc plan`): each recipient to send, as the
    exact request line deploy would send, and a header that says what it was made from."""

    def __init__(self, target: Path) -> None:
        import re

        from ivrc.service.plan_file import Writer

        self.writer = Writer(target)
        self.earliest: int | None = None
        self._stamp = re.compile(r'"schedule_type": "timestamp", "schedule": (\d+)|"dial_at": (\d+)')

    def add(self, row: int, unique_id: str, line: str) -> None:
        found = self._stamp.search(line)
        if found is not None:
            moment = int(found.group(1) or found.group(2))
            self.earliest = moment if self.earliest is None else min(self.earliest, moment)
        self.writer.add({"row": row, "unique_id": unique_id, "line": line})

    def abandon(self) -> None:
        self.writer.abandon()

    def finish(
        self,
        file: Path,
        url: str,
        path: Path,
        template: Template,
        how: Sending,
        figures: dict[str, Any],
        last: str | None,
        until: int | None = None,
        cost: dict[str, Any] | None = None,
    ) -> None:
        import json

        import typer

        from ivrc import __version__
        from ivrc.cli.insight import diff_text
        from ivrc.insight.ci_report import from_root
        from ivrc.service.plan_file import inputs

        config = template.model.config
        names = {name: f"recipient.{name}" for name in template.model.field_names}
        self.writer.finish(
            {
                "kind": "personal",
                "flow": from_root(str(file)),
                "recipients": from_root(str(path)),
                "env": config.env,
                "service": url,
                "campaign": template.campaign,
                "start": how.start,
                "resend_changed": how.resend_changed,
                "start_at": how.start_at.isoformat() if how.start_at else None,
                "inputs": inputs(file, path, None, [], config, __version__),
                "figures": figures,
                "cost": cost,
                "earliest": self.earliest,
                "until": until,
                "diff": diff_text(last, template.model, file, config),
                # One request, each recipient's value shown by the column it comes from: no one's data.
                "sample": json.loads(template.render(names, f"{template.campaign}-…")),
            }
        )
        count = self.writer.count
        typer.echo(
            f"Plan written to {self.writer.target} (readable by you only: it holds the requests): "
            f"{count} campaign{'s' if count != 1 else ''} to send or start. Nothing was sent."
        )
