"""The cost in every plan: `--history` and `--max-cost`, the estimate printed with the plan and
kept in a plan file, and the refusal of a plan above the limit without `--yes`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ivrc.language.config import Config
    from ivrc.running.costing import Estimate

HistoryOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--history",
        metavar="FILE",
        help=(
            "Call records of an earlier campaign of this flow (`ivrc cdr --format csv`), for the share of calls that "
            "takes each way through it; the policy's `history` otherwise. Repeatable."
        ),
    ),
]


def _amount(text: str) -> Decimal:
    from ivrc.language.pricing import amount

    try:
        return amount(float(text), "--max-cost")
    except ValueError as error:
        raise typer.BadParameter(str(error) if "must" in str(error) else f"`{text}` is not an amount") from None


MaxCostOption = Annotated[
    Decimal | None,
    typer.Option(
        "--max-cost",
        metavar="AMOUNT",
        parser=_amount,
        help="Refuse, without --yes, a plan whose expected cost is above this (the tariff's `max_cost` otherwise).",
    ),
]


def learned(config: Config, given: list[Path] | None, request: dict[str, Any], campaign: str | None) -> tuple[Any, str]:
    """What the call records say of this flow's calls, and where they came from: the files given
    (all of their records), else the policy's `history` (the campaigns of this flow in it). The
    records are read one at a time."""
    from ivrc.cli.app import _fail
    from ivrc.language.files import Unreadable
    from ivrc.running.cdr_files import read_located
    from ivrc.running.costing import Learned
    from ivrc.running.records import CdrError

    files = list(given or [])
    policy = config.policy
    if not files and policy is not None and policy.history:
        try:
            files = policy.history_files()
        except ValueError as error:
            _fail(str(error))
    found = Learned(request, campaign, every=bool(given))
    for path in files:
        try:
            for _, record in read_located(path):
                found.add(record)
        except CdrError as error:
            _fail(f"{path}:{error.line or 1}:1: {error.reason}")
        except Unreadable as error:
            _fail(str(error))
    if not found.records:
        return None, ""
    count = f"{found.records} call record{'s' if found.records != 1 else ''}"
    return found, f"{count} of {len(files)} file{'s' if len(files) != 1 else ''}"


def estimate(
    config: Config,
    request: dict[str, Any],
    history: list[Path] | None,
    campaign: str | None = None,
) -> Estimate | None:
    """An empty estimate for this request's calls (None without a tariff), to add the numbers to."""
    if config.pricing is None:
        return None
    from ivrc.running.costing import Estimate, routes, with_markers
    from ivrc.running.timing import recording_lengths

    found, source = learned(config, history, request, campaign)
    made = routes(with_markers(request), found, recording_lengths(config.recordings))
    return Estimate(config.pricing, made, found.attempts if found is not None else Decimal(1), source)


def add_numbers(estimate: Estimate | None, numbers: Iterable[str]) -> None:
    """Each number of a single flow or a phone list: the same request, priced by its prefix."""
    if estimate is None:
        return
    counted: dict[str, int] = {}
    longest = estimate.pricing.longest
    for number in numbers:
        prefix = number[:longest]  # numbers that share the longest prefix share a price
        counted[prefix] = counted.get(prefix, 0) + 1
    for prefix, count in sorted(counted.items()):
        estimate.add(prefix, count=count)


def plan_numbers(plans: list[Any], region: str | None) -> Iterable[str]:
    """The numbers a single flow's campaigns call: each phone list's (those the policy keeps), or
    the request's own number; a campaign whose every step is done calls no one again."""
    from ivrc.service import deploy

    for the_plan in plans:
        if all(the_plan.journal.done(step.key) for step in the_plan.steps):
            continue
        if the_plan.phones is not None:
            keep = the_plan.phones.keep
            yield from (n for n in deploy.phone_numbers(the_plan.phones.path, region) if keep is None or keep(n))
            continue
        number = the_plan.request.get("number") or the_plan.request.get("leg_a")
        if number:
            yield str(number)


def show(estimate: Estimate | None, limit: Decimal | None, say: Callable[[str], Any] = typer.echo) -> None:
    if estimate is None:
        if limit is not None:
            say("  --max-cost: no `[pricing]` in the configuration, so the cost is not known")
        return
    for line in estimate.lines(limit):
        say(f"  {line}")


def too_dear(estimate: Estimate | None, limit: Decimal | None) -> str | None:
    """Why a plan must not be sent without --yes: above the limit, or a cost that cannot be bounded."""
    if estimate is None:
        return (
            None if limit is None else "--max-cost is given but the configuration has no `[pricing]` to price calls by"
        )
    cap = limit if limit is not None else estimate.pricing.max_cost
    if cap is None:
        return None
    money = estimate.pricing.money
    over = estimate.over(limit)
    if over is not None:
        return f"the expected cost {money(estimate.cost)} is {money(over)} over the limit of {money(cap)}"
    if estimate.unpriced:
        return (
            f"{estimate.unpriced} number{'s have' if estimate.unpriced != 1 else ' has'} no price in `per_minute`, so "
            f"the cost cannot be held to {money(cap)}"
        )
    return None


def refuse(reason: str | None, close: Callable[[], None]) -> None:
    """Stop before anything is sent when the plan costs too much and --yes was not given."""
    from ivrc.cli.lint import EXIT_FINDINGS

    if reason is None:
        return
    close()
    typer.echo(f"ivrc: nothing was sent: {reason}; add --yes to send it all the same", err=True)
    raise typer.Exit(EXIT_FINDINGS)
