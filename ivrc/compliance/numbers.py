"""The policy applied to a campaign with one schedule for every number: a flow's own `number`, or
a phone list. Numbers on a do-not-call list, opted out or at the attempt cap are held back (left
out of the list as uploaded); the one call time must be inside every number's window, and with
`--start-at` it is the first moment all of them allow. Numbers whose zones share no moment are
split by place (`deploy --split-by-timezone`), each group a campaign at its own first moment."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ivrc.compliance import calendar
from ivrc.compliance.gate import Gate
from ivrc.compliance.setup import gate_for
from ivrc.compliance.verdict import minutes
from ivrc.language.model import Model

SHOWN = 10  # numbers' problems listed one by one; the rest are counted


@dataclass
class Group:
    """Numbers that share a place, and so a calling window."""

    place: calendar.Place
    numbers: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """A name for the group's campaign: its first zone, as a unique_id can hold it."""
        return re.sub(r"[^a-z0-9]+", "-", self.place.zones[0].lower()).strip("-") + (
            f"-{len(self.place.zones)}z" if len(self.place.zones) > 1 else ""
        )


@dataclass
class Verdict:
    """What the policy says of a campaign's numbers."""

    held: Counter[str] = field(default_factory=Counter)
    held_numbers: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    moment: int | None = None  # the schedule to set: a timestamp
    groups: list[Group] = field(default_factory=list)
    called: int = 0
    first: tuple[int, str] | None = None
    last: tuple[int, str] | None = None
    until: int | None = None  # with no time of its own, the campaign may be sent until then


def check(
    model: Model,
    request: dict,  # type: ignore[type-arg]
    region: str | None,
    numbers: Iterable[tuple[str, str]],
    gate: Gate,
    split: bool = False,
) -> Verdict:
    """`numbers` are (E.164 digits, where it is written). The gate has read its lists and history."""
    verdict = Verdict()
    groups: dict[calendar.Place, Group] = {}
    policy = gate.policy
    if policy.consent_column and gate.marketing:
        verdict.errors.append(
            f'the policy asks for consent (`consent_column = "{policy.consent_column}"`), and a phone list carries '
            "none: deploy a template flow with --recipients, whose rows say each person's consent"
        )
        return verdict
    for digits, where in numbers:
        key = int(digits)
        reason = _held(gate, key)
        if reason is not None:
            verdict.held[reason] += 1
            verdict.held_numbers.add(digits)
            continue
        try:
            place = calendar.place(digits, _country(digits), None, policy.default_timezone)
        except calendar.NoZone:
            _error(
                verdict, f"{where}: the time zone of this number cannot be told; set the policy's `default_timezone`"
            )
            continue
        groups.setdefault(place, Group(place)).numbers.append(digits)
        verdict.called += 1
    verdict.groups = sorted(groups.values(), key=lambda g: (g.place.zones, g.place.country or ""))
    if verdict.errors or not policy.timed or not groups:
        return verdict
    if gate.given and not gate.fixed:
        _first_common(verdict, gate, split)
    else:
        _checked_at(verdict, gate, gate.fixed if gate.fixed is not None else gate.start)
    return verdict


def _held(gate: Gate, key: int) -> str | None:
    for listed in gate.lists:
        if key in listed:
            return f"suppressed:{listed.path.name}"
    if gate.history.opted_out and gate.history.opted(key):
        return "opted-out"
    cap = gate.policy.max_attempts
    moment = gate.fixed if gate.fixed is not None else gate.start
    if cap is not None and gate.history.attempts(key, moment - cap[1], moment) + 1 > cap[0]:
        return "attempt-cap"
    return None


def _checked_at(verdict: Verdict, gate: Gate, moment: int) -> None:
    """The campaign's one moment (the flow's, or now) against every group's window."""
    for group in verdict.groups:
        zone = group.place.zones[0]
        if not gate.calendar.allowed(group.place, moment, 0):
            found = gate.calendar.first_moment(group.place, moment, gate.span)
            instead = f"; their first allowed moment is {calendar.local(found[0], zone)}" if found else ""
            count = len(group.numbers)
            _error(
                verdict,
                f"{count} number{'s' if count != 1 else ''} in {', '.join(group.place.zones[:3])} would be called at "
                f"{calendar.local(moment, zone)}, outside the calling hours{gate.calendar.why(group.place, moment)}"
                f"{instead}",
            )
        else:
            end = gate.calendar.window_end(group.place, moment)
            if end is not None and gate.fixed is None:  # sent later, it would ring later
                verdict.until = end - gate.span if verdict.until is None else min(verdict.until, end - gate.span)
            if end is not None and moment + gate.span > end:
                verdict.notes.append(
                    f"retries-past-window: the last try of a call to the numbers in {zone} could end "
                    f"{minutes(moment + gate.span - end)} after their calling window closes; call earlier, or lower "
                    "`max_retries`, `ring_timeout` or `retry_wait_time`"
                )
            _seen(verdict, moment, zone)


def _first_common(verdict: Verdict, gate: Gate, split: bool) -> None:
    """--start-at: the first moment every group allows; or, split, each group's own."""
    places = [group.place for group in verdict.groups]
    common = calendar.Place(tuple(dict.fromkeys(z for p in places for z in p.zones)), None, "number")
    shared = _first_all(gate, places) if not split else None
    if shared is not None:
        verdict.moment = shared
        for group in verdict.groups:
            _seen(verdict, shared, group.place.zones[0])
        return
    if not split:
        zones = ", ".join(common.zones[:6]) + (" …" if len(common.zones) > 6 else "")
        _error(
            verdict,
            f"the numbers are in time zones whose calling hours share no moment in the "
            f"{calendar.HORIZON_DAYS} days after the start ({zones}), so one schedule cannot call them all; "
            "--split-by-timezone sends one campaign per zone, each at its own first allowed moment",
        )
        return
    for group in verdict.groups:
        found = gate.calendar.first_moment(group.place, gate.start, gate.span)
        if found is None:
            _error(verdict, f"the numbers in {group.place.zones[0]} may not be called in the next days")
            continue
        _seen(verdict, found[0], group.place.zones[0])


def _first_all(gate: Gate, places: list[calendar.Place]) -> int | None:
    """The first moment at or after the start that every place allows, whole calls included."""
    moment = gate.start
    for _ in range(64):  # each round moves to a later window; a few rounds settle it
        later = moment
        for place in places:
            found = gate.calendar.first_moment(place, later, gate.span)
            if found is None or not found[1]:
                return None
            later = max(later, found[0])
        if later == moment:
            return moment
        moment = later
    return None


def group_moment(gate: Gate, group: Group) -> int | None:
    found = gate.calendar.first_moment(group.place, gate.start, gate.span)
    return found[0] if found else None


def _seen(verdict: Verdict, moment: int, zone: str) -> None:
    if verdict.first is None or moment < verdict.first[0]:
        verdict.first = (moment, zone)
    if verdict.last is None or moment > verdict.last[0]:
        verdict.last = (moment, zone)


def _error(verdict: Verdict, message: str) -> None:
    if len(verdict.errors) < SHOWN:
        verdict.errors.append(message)
    elif len(verdict.errors) == SHOWN:
        verdict.errors.append("… and more")


def _country(digits: str) -> str | None:
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        return None


def gate_of(model: Model, request: dict, region: str | None, start_at):  # type: ignore[no-untyped-def,type-arg]
    """The gate of a campaign with one schedule (its lists read), or None without a policy."""
    gate = gate_for(model, request, region, start_at)
    if gate is not None:
        gate.prepare()
    return gate
