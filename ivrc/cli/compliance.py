"""The command line's side of the compliance policy: `--start-at`, the gate of a personal
campaign, and the part of every plan that says whom it calls, whom it holds back and why, and
when in their own local time the first and the last call ring."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ivrc.build.batch import Summary, Template
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
