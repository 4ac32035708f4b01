"""What a campaign is expected to cost before it rings: each way through the flow (a route), the
share of calls that takes it, its length, billed by the tariff's increment, priced by each
number's prefix and summed over the recipients.

The routes come from the call records of an earlier campaign of the same flow where there are
some: each answered call's keys are pressed again in the simulator (the caller stays silent
after the last of them), and an unanswered call is billed nothing. Without records every call
is taken to be answered and to take the main path: at each step the first entry it offers, and
silence at a step already passed. Lengths are the estimate of `ivrc.language.speech`, the same
on every machine, so a plan's figures do not depend on whether espeak-ng is installed."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ivrc.build.emit import Slot
from ivrc.language.pricing import Pricing
from ivrc.language.speech import estimate
from ivrc.running.records import CdrRecord
from ivrc.running.simulate import Script, Step, run
from ivrc.running.timing import timeline

_VALUE = re.compile("\ue002([^\ue003]*)\ue003")  # where a recipient's own value is said


def with_markers(value: Any) -> Any:
    """A template's request with a stand-in for each recipient value, filled per recipient."""
    if isinstance(value, Slot):
        return value if value.phone else f"\ue002{value.field}\ue003"
    if isinstance(value, dict):
        return {k: with_markers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_markers(v) for v in value]
    return value


@dataclass(frozen=True)
class Route:
    """One way through the flow: the entries pressed, the share of calls taking it, and its
    length: `seconds` for what is the same for everyone, plus each text in `texts` as said with a
    recipient's own values."""

    keys: tuple[str | None, ...]
    share: Decimal
    answered: bool
    seconds: float
    texts: tuple[str, ...] = ()
    end: str = ""

    def length(self, values: Mapping[str, str] | None = None) -> float:
        if not self.texts:
            return self.seconds
        filled = values or {}
        return self.seconds + sum(_said(_VALUE.sub(lambda m: filled.get(m.group(1), ""), t)) for t in self.texts)

    def as_json(self) -> dict[str, Any]:
        return {
            "keys": ",".join(key if key is not None else "timeout" for key in self.keys),
            "share": round(float(self.share), 4),
            "answered": self.answered,
            "seconds": round(self.seconds, 2),
            "end": self.end,
        }


@functools.lru_cache(maxsize=65536)
def _said(text: str) -> float:
    return estimate(text)


class FirstChoice:
    """The main path's caller: the first entry each step offers, silence at a step seen before."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.pressed: list[str | None] = []

    def __call__(self, step: Step) -> str | None:
        entry = None if step.step_id in self.seen or not step.offered else step.offered[0]
        self.seen.add(step.step_id)
        self.pressed.append(entry)
        return entry


def _route(
    request: dict[str, Any], caller: Callable[[Step], str | None], recording: Callable[[str], float | None]
) -> tuple[float, tuple[str, ...], str]:
    call = run(request, caller)
    texts: list[str] = []

    def speak(text: str, voice: str | None) -> float:
        if "\ue002" in text:
            texts.append(text)
            return 0.0
        return _said(text)

    _, total = timeline(call.events, speak, recording)
    return total, tuple(texts), call.end


class Learned:
    """Call records of earlier campaigns, read one at a time into what the estimate needs: how
    many calls pressed which keys, how many were not answered, and how often each number was
    called. Memory grows with the ways through the flow and the numbers, not the records.

    With `every` (files given by `--history`), every record counts. Else (the policy's history,
    which holds every campaign's records) a record counts when its campaign is named as the
    flow's (`campaign`, or a personal campaign's recipient of it, `campaign-…`), or when it was
    answered and went through this flow's steps only; an unanswered call of another campaign
    cannot be told apart, and is left out (the estimate then errs high)."""

    def __init__(self, request: dict[str, Any], campaign: str | None, every: bool) -> None:
        self.steps = {
            str(step.get("step_id"))
            for step in (request.get("ivr", {}) or {}).get("steps", [])
            if isinstance(step, dict) and "step_id" in step
        }
        self.campaign = campaign
        self.every = every
        self.taken: Counter[tuple[str, ...]] = Counter()
        self.unanswered = 0
        self.records = 0
        self._called: set[int] = set()  # each campaign and number called, as a hash

    def add(self, record: CdrRecord) -> None:
        name = record.unique_campaign_id
        named = self.every or (
            self.campaign is not None and (name == self.campaign or name.startswith(self.campaign + "-"))
        )
        if record.answered:
            walked = {step for step, _ in record.keys}
            if not named and not (walked and walked <= self.steps):
                return
            self.taken[tuple(dtmf for _, dtmf in record.keys)] += 1
        elif named:
            self.unanswered += 1
        else:
            return
        self.records += 1
        self._called.add(hash((name, record.phone_number)))

    @property
    def attempts(self) -> Decimal:
        """Calls placed for each number (a retried call is placed again); 1 without records."""
        return Decimal(self.records) / len(self._called) if self._called else Decimal(1)


def routes(
    request: dict[str, Any],
    learned: Learned | None = None,
    recording: Callable[[str], float | None] = lambda name: None,
) -> list[Route]:
    """The ways calls of `request` go: from the records (grouped by the keys pressed), or the main path."""
    if learned is None or not learned.records:
        caller = FirstChoice()
        seconds, texts, end = _route(request, caller, recording)
        keys = tuple(caller.pressed)
        while keys and keys[-1] is None:
            keys = keys[:-1]
        return [Route(keys, Decimal(1), True, seconds, texts, end)]
    total = Decimal(learned.records)
    made = []
    for keys, count in sorted(learned.taken.items(), key=lambda item: (-item[1], item[0])):
        seconds, texts, end = _route(request, Script(list(keys)), recording)
        made.append(Route(keys, count / total, True, seconds, texts, end))
    if learned.unanswered:
        made.append(Route((), learned.unanswered / total, False, 0.0, (), "not answered"))
    return made


class Estimate:
    """The expected billed minutes and cost of a campaign, recipient by recipient."""

    def __init__(self, pricing: Pricing, made: list[Route], tries: Decimal = Decimal(1), source: str = "") -> None:
        self.pricing = pricing
        self.routes = made
        self.tries = tries
        self.source = source
        self.calls = 0
        self.unpriced = 0
        self._billed: dict[Decimal | None, Decimal] = {}  # expected billed seconds by price of a minute
        self._lengths = [0.0] * len(made)  # each route's length, summed over the recipients
        self._fixed = None if any(r.texts for r in made) else self._expected(None)

    def _expected(self, values: Mapping[str, str] | None) -> Decimal:
        """The seconds billed for one recipient: each route's share of their calls, times its billed length."""
        one = Decimal(0)
        for index, route in enumerate(self.routes):
            length = route.length(values)
            self._lengths[index] += length
            one += route.share * self.pricing.billed(length)
        return one * self.tries

    def length(self, index: int) -> float:
        """A route's length: the same for everyone, or the mean over the recipients of what is said to each."""
        route = self.routes[index]
        if not route.texts or not self.calls:
            return route.seconds
        return self._lengths[index] / self.calls

    def add(self, number: str, values: Mapping[str, str] | None = None, count: int = 1) -> None:
        """`count` recipients at `number`'s price, each with these values for what is said to them."""
        rate = self.pricing.rate(number)
        self.calls += count
        if rate is None:
            self.unpriced += count
        billed = self._fixed if self._fixed is not None else self._expected(values)
        self._billed[rate] = self._billed.get(rate, Decimal(0)) + billed * count

    @property
    def seconds(self) -> Decimal:
        return sum(self._billed.values(), Decimal(0))

    @property
    def cost(self) -> Decimal:
        minutes = sum(((rate or 0) * billed for rate, billed in self._billed.items()), Decimal(0)) / 60
        return minutes + self.pricing.per_attempt * self.tries * self.calls

    def over(self, limit: Decimal | None) -> Decimal | None:
        """How far the cost is above `limit` (or above the tariff's `max_cost`), or None."""
        cap = limit if limit is not None else self.pricing.max_cost
        if cap is None:
            return None
        return self.cost - cap if self.cost > cap else None

    def figures(self, limit: Decimal | None = None) -> dict[str, Any]:
        """The estimate as a plan keeps it."""
        cap = limit if limit is not None else self.pricing.max_cost
        over = self.over(limit)
        return {
            "currency": self.pricing.currency,
            "increment": self.pricing.increment,
            "calls": self.calls,
            "billed_minutes": float(round(self.seconds / 60, 2)),
            "cost": float(self.cost.quantize(Decimal("0.01"))),
            "unpriced": self.unpriced,
            "max_cost": float(cap) if cap is not None else None,
            "over_by": float(over.quantize(Decimal("0.01"))) if over is not None else None,
            "from": self.source,
            "routes": [{**route.as_json(), "seconds": round(self.length(i), 2)} for i, route in enumerate(self.routes)],
        }

    def lines(self, limit: Decimal | None = None) -> list[str]:
        """The estimate in words, as the plans print it."""
        money = self.pricing.money
        said = [
            f"expected cost {money(self.cost)}: {self.calls} call{'s' if self.calls != 1 else ''}, "
            f"{float(self.seconds / 60):.1f} billed minutes at {self.pricing.increment}"
            + (f", {money(self.pricing.per_attempt)} a call placed" if self.pricing.per_attempt else "")
        ]
        answered = [r for r in self.routes if r.answered]
        if self.source:
            said.append(
                f"  from {self.source}: {len(answered)} way{'s' if len(answered) != 1 else ''} through the flow"
            )
        else:
            said.append("  every call answered and on the main path (no call records of this flow to learn from)")
        for index, route in enumerate(self.routes[:6]):
            if not route.answered:
                said.append(f"    {float(route.share) * 100:.0f}% of calls not answered: nothing billed")
                continue
            keys = ",".join(k if k is not None else "timeout" for k in route.keys) or "none"
            share = f"{float(route.share) * 100:.0f}% of calls, " if self.source else "the main path, "
            mean = " on average" if route.texts else ""
            said.append(f"    {share}keys {keys}: {self.length(index):.0f} s{mean}, ending {route.end}")
        if self.unpriced:
            said.append(
                f"  {self.unpriced} number{'s have' if self.unpriced != 1 else ' has'} no price in `per_minute`: "
                "counted in the minutes, not in the cost"
            )
        over = self.over(limit)
        if over is not None:
            cap = limit if limit is not None else self.pricing.max_cost
            said.append(f"  {money(over)} over the limit of {money(cap or Decimal(0))}")
        return said


class Billing:
    """A finished campaign's cost from its call records: what each call was billed (`billsec`),
    against what the estimate gives for the way it went (its keys pressed again in the simulator)."""

    def __init__(self, pricing: Pricing, request: dict[str, Any]) -> None:
        self.pricing = pricing
        self.request = with_markers(request)
        self.calls = 0
        self.unpriced = 0
        self._lengths: dict[tuple[str, ...], float] = {}
        self._billed = {"estimated": Decimal(0), "actual": Decimal(0)}  # seconds
        self._cost = {"estimated": Decimal(0), "actual": Decimal(0)}

    def add(self, record: CdrRecord) -> None:
        rate = self.pricing.rate(record.phone_number.lstrip("+"))
        self.calls += 1
        self.unpriced += rate is None
        estimated = 0
        if record.answered:
            keys = tuple(dtmf for _, dtmf in record.keys)
            if keys not in self._lengths:
                self._lengths[keys] = _route(self.request, Script(list(keys)), lambda name: None)[0]
            estimated = self.pricing.billed(self._lengths[keys])
        for kind, seconds in (("estimated", estimated), ("actual", self.pricing.billed(record.billsec))):
            self._billed[kind] += seconds
            self._cost[kind] += (rate or 0) * Decimal(seconds) / 60 + self.pricing.per_attempt

    def figures(self) -> dict[str, Any]:
        return {
            "currency": self.pricing.currency,
            "increment": self.pricing.increment,
            "calls": self.calls,
            "unpriced": self.unpriced,
            **{
                kind: {
                    "billed_minutes": float(round(self._billed[kind] / 60, 2)),
                    "cost": float(self._cost[kind].quantize(Decimal("0.01"))),
                }
                for kind in ("estimated", "actual")
            },
        }
