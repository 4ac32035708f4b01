"""The command line's side of the compliance policy: `--start-at`, the gate of a personal
campaign, and the part of every plan that says whom it calls, whom it holds back and why, and
when in their own local time the first and the last call ring."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ivrc.build.batch import Summary
    from ivrc.build.template import Template
    from ivrc.compliance.gate import Gate


def _start_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    from ivrc.compliance.setup import start_time

    try:
        return start_time(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


StartAtOption = Annotated[
    datetime | None,
    typer.Option(
        "--start-at",
        metavar="TIME",
        parser=_start_at,
        help=(
            "With a policy's calling hours: the campaign's start (ISO 8601 with an offset, e.g. "
            "2026-12-07T09:00+02:00); each recipient is called at their first allowed moment after it."
        ),
    ),
]


def gate(template: Template, region: str | None, start_at: datetime | None, undo: Any = None) -> Gate | None:
    """The policy's gate for this campaign, its lists and history read; a list that cannot be
    used stops here, with nothing written or sent (exit 2)."""
    from ivrc.cli.app import _fail
    from ivrc.compliance.gate import GateError
    from ivrc.compliance.setup import gate_for
    from ivrc.language.files import Unreadable

    the_gate = gate_for(template.model, template.request, region, start_at)
    if the_gate is None:
        if start_at is not None and (template.model.config.policy is None or not template.model.config.policy.timed):
            # Without calling hours, every recipient is called at the start itself.
            from ivrc.compliance.gate import Gate
            from ivrc.compliance.setup import call_span
            from ivrc.language.policy import Policy

            return Gate(Policy(), region, int(start_at.timestamp()), None, call_span(template.request), False)
        return None
    try:
        the_gate.prepare()
    except (GateError, Unreadable) as error:
        if undo is not None:
            undo()
        _fail(f"policy: {error}")
    return the_gate


def figures(summary: Summary, the_gate: Gate | None, path: Path) -> dict[str, Any]:
    """The plan's counts, as `--format json` gives them."""
    held = dict(sorted(the_gate.figures.held.items())) if the_gate is not None else {}
    out: dict[str, Any] = {
        "recipients": summary.rows - summary.empty_rows if summary.rows >= summary.empty_rows else summary.rows,
        "called": summary.requests,
        "held_back": sum(held.values()),
        "held_back_by_reason": held,
        "rows_with_errors": len({d.line for d in summary.diagnostics if d.severity.value == "error"}),
        "recipients_file": str(path),
    }
    if the_gate is not None and the_gate.figures.first is not None and the_gate.figures.last is not None:
        out["first_call"] = _moment(*the_gate.figures.first)
        out["last_call"] = _moment(*the_gate.figures.last)
        out["time_zones"] = dict(sorted(the_gate.figures.zones.items()))
    return out


def _moment(moment: int, zone: str) -> dict[str, Any]:
    from datetime import timezone
    from zoneinfo import ZoneInfo

    return {
        "utc": datetime.fromtimestamp(moment, timezone.utc).isoformat().replace("+00:00", "Z"),
        "local": datetime.fromtimestamp(moment, ZoneInfo(zone)).isoformat(),
        "time_zone": zone,
    }


def lines(counts: dict[str, Any]) -> list[str]:
    """The plan's counts in words, one line each."""
    from ivrc.compliance.calendar import local

    out = [
        f"{counts['recipients']} recipient{'s' if counts['recipients'] != 1 else ''}: {counts['called']} called, "
        f"{counts['held_back']} held back by the policy"
    ]
    for reason, count in counts["held_back_by_reason"].items():
        out.append(f"  {count} {_reason(reason)}")
    if "first_call" in counts:
        first, last = counts["first_call"], counts["last_call"]
        out.append(f"first call {local(_epoch(first['utc']), first['time_zone'])}")
        out.append(f"last call  {local(_epoch(last['utc']), last['time_zone'])}")
    return out


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _reason(reason: str) -> str:
    if reason.startswith("suppressed:"):
        return f"on the do-not-call list {reason.split(':', 1)[1]}"
    return {
        "opted-out": "opted out in a recorded call (mark remove)",
        "attempt-cap": "at the attempt cap (max_attempts)",
        "missing-consent": "without consent",
        "consent-expired": "whose consent is too old",
    }.get(reason, reason)


Part = tuple[dict[str, Any], Any, str | None]  # (the request, which numbers of the list are kept, the part's name)


def one_schedule(
    file: Path,
    model: Any,
    request: dict[str, Any],
    phones: Path | None,
    start_at: datetime | None,
    split: bool,
    url: str,
    undo: Any,
    plan_out: Any = None,
) -> tuple[list[Part], int | None]:
    """A single flow's or a phone list's campaign under the policy: the numbers held back (left
    out of the list), the one call time checked against every number's window, or found with
    --start-at; with --split-by-timezone, a campaign per zone. Exit 1, nothing sent, on a breach.
    Also returns, for a campaign with no time of its own, the moment until which it may be sent."""
    from ivrc.cli.app import _fail
    from ivrc.cli.lint import EXIT_FINDINGS
    from ivrc.compliance import numbers as listed
    from ivrc.compliance.gate import GateError
    from ivrc.compliance.setup import gate_for
    from ivrc.language.files import Unreadable
    from ivrc.service import deploy

    gate = gate_for(model, request, model.region, start_at)
    if gate is None or not gate.policy.timed and split:
        if split:
            undo()
            _fail("--split-by-timezone is for a policy with `calling_hours`, `quiet_days` or `holidays`")
        if plan_out is not None:
            count = sum(1 for _ in deploy.phone_numbers(phones, model.region)) if phones is not None else 1
            figures = {"recipients": count, "called": count, "held_back": 0, "held_back_by_reason": {}}
            _plan_json(plan_out, file, url, request, figures)
        return [(request if start_at is None else _timed(request, int(start_at.timestamp())), None, None)], None
    try:
        gate.prepare()
    except (GateError, Unreadable) as error:
        undo()
        _fail(f"policy: {error}")
    if split and not gate.given:
        undo()
        _fail("--split-by-timezone gives each zone its own first moment after --start-at; give --start-at TIME")
    written = request.get("number") or request.get("leg_a")
    numbers = (
        ((digits, str(phones)) for digits in deploy.phone_numbers(phones, model.region))
        if phones is not None
        else ([(str(written), str(file))] if written else [])
    )
    verdict = listed.check(model, request, model.region, numbers, gate, split)
    if verdict.errors:
        undo()
        for said in verdict.errors:
            typer.echo(f"ivrc: error: {said}", err=True)
        typer.echo("ivrc: nothing was sent", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    counts = {
        "recipients": verdict.called + sum(verdict.held.values()),
        "called": verdict.called,
        "held_back": sum(verdict.held.values()),
        "held_back_by_reason": dict(sorted(verdict.held.items())),
    }
    if verdict.first is not None and verdict.last is not None:
        counts["first_call"] = _moment(*verdict.first)
        counts["last_call"] = _moment(*verdict.last)
    if plan_out is not None:
        _plan_json(plan_out, file, url, request, counts)
    typer.echo(f"The policy ({gate.policy.source}):")
    for line in lines(counts):
        typer.echo(f"  {line.replace('recipient', 'number')}")
    for note in verdict.notes:
        typer.echo(f"ivrc: warning: {note}", err=True)
    if verdict.called == 0:
        undo()
        typer.echo("Nothing to send: the policy holds back every number.")
        raise typer.Exit(0)
    held = verdict.held_numbers
    keep = (lambda digits: digits not in held) if held else None
    if not (split and gate.given):
        timed = _timed(request, verdict.moment) if verdict.moment is not None else request
        return [(timed, keep, None)], verdict.until
    base = request.get("unique_id") or deploy.derived_unique_id(url, request)
    parts: list[Part] = []
    for group in verdict.groups:
        moment = listed.group_moment(gate, group)
        assert moment is not None  # check() said each group has one
        members = set(group.numbers)
        timed = _timed({**request, "unique_id": f"{base}-{group.slug}"}, moment)
        parts.append((timed, members.__contains__, group.slug))
    return parts, None


def _plan_json(out: Any, file: Path, url: str, request: dict[str, Any], counts: dict[str, Any]) -> None:
    """`deploy --format json` of a single flow or a phone list: the plan's figures on stdout."""
    import json

    plan = {"flow": str(file), "service": url, "campaign": request.get("unique_id"), **counts}
    typer.echo(json.dumps(plan, ensure_ascii=False, indent=2), file=out)


def _timed(request: dict[str, Any], moment: int) -> dict[str, Any]:
    """The request with its own call time: a timestamp `schedule`, or a simple dialer's `dial_at`."""
    if "ivr" in request:
        return {**request, "schedule_type": "timestamp", "schedule": moment}
    return {**request, "dial_at": moment}
