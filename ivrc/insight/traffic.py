"""What calls did on a flow, counted by step and by edge of its diagram.

Two sources feed the same counts, so that one drawing shows both: call records replayed on the
flow (`ivrc report`), and the simulated calls of flow tests (`ivrc test --coverage`).

A call record holds the keys that were taken at each step and the entries that were refused
(api-notes 19), not the silences. To know which steps a call went through, its keys are pressed
again in the simulator, step by step: a record whose keys do not fit the flow (a step the flow
does not have, a key a step does not take, keys left over when the call would have ended) is
counted as not on this flow, never forced onto it (api-notes 24).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivrc.running.records import CdrRecord
from ivrc.running.simulate import Call, Step, handles, items, mapping, run


@dataclass
class Tally:
    """Counts of calls. A call counts once per step however often it came back to it."""

    calls: int = 0
    reached: Counter[str] = field(default_factory=Counter)  # step -> calls that heard its prompt
    edges: Counter[str] = field(default_factory=Counter)  # graph edge key -> calls that took it
    ended: Counter[str] = field(default_factory=Counter)  # step -> calls whose tries ran out there
    refused: Counter[str] = field(default_factory=Counter)  # step -> calls that pressed a key it does not take
    ends: Counter[str] = field(default_factory=Counter)  # how calls ended: hangup, call, no-input, ...
    marks: Counter[str] = field(default_factory=Counter)  # `remove`, `custom:VALUE`
    marks_at: Counter[tuple[str, str]] = field(default_factory=Counter)  # (step, mark) -> calls

    def add(self, request: dict[str, Any], call: Call, times: int = 1) -> None:
        """Count one simulated call of `request` (or `times` calls that went the same way)."""
        self.calls += times
        steps = _steps(request)
        reached: set[str] = set()
        taken: set[str] = set()
        refused: set[str] = set()
        last: str | None = None
        moved = False  # whether the call left the last step it entered
        for event in call.events:
            kind = event["type"]
            step = event.get("step")
            if kind == "prompt":
                name = "" if step is None else str(step)
                if name != last or not event.get("attempt", 1) > 1:
                    if last is not None and not moved and last in steps and not steps[last].get("actions"):
                        taken.add(f"{last}:next")
                    reached.add(name)
                    last, moved = name, False
            elif kind == "key" and step is not None:
                index = _handler(steps.get(str(step)), str(event["dtmf"]))
                taken.add(f"{step}:{index}" if index is not None else f"{step}:next")
                moved = True
            elif kind == "invalid" and step is not None:
                refused.add(str(step))
            elif kind == "mark" and step is not None:
                value = event.get("value")
                mark = (
                    f"custom:{value}" if event.get("mark") == "custom" and value is not None else str(event.get("mark"))
                )
                self.marks[mark] += times
                self.marks_at[(str(step), mark)] += times
        if last is not None and not moved:
            if call.end == "no-input":
                self.ended[last] += times
            elif last == "" or (last in steps and not steps[last].get("actions")):
                taken.add(f"{last}:next")
        if reached:
            taken.add("start")
        self.ends[call.end] += times
        for counter, found in ((self.reached, reached), (self.edges, taken), (self.refused, refused)):
            for key in found:
                counter[key] += times


def _steps(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    ivr = mapping(request.get("ivr"))
    listed = items(ivr.get("steps"))
    found: dict[str, dict[str, Any]] = {}
    for step in listed:
        if isinstance(step, dict):
            found.setdefault(str(step.get("step_id", "")), step)
    return found


def _handler(step: dict[str, Any] | None, entry: str) -> int | None:
    """The index of the handler that takes an entry, as the simulator chooses it."""
    handlers = step.get("actions") if step else None
    for index, handler in enumerate(handlers if isinstance(handlers, list) else []):
        if isinstance(handler, dict) and handles(handler.get("key"), entry):
            return index
    return None


class _Replay:
    """A caller who presses, at each step, what a call record says was pressed there: first the
    entries the step refused, then the key it took."""

    def __init__(self, record: CdrRecord) -> None:
        self.taken: deque[tuple[str, str]] = deque(record.keys)
        self.refused: dict[str, deque[str]] = {}
        for item in record.steps.get("invalid") or []:
            if isinstance(item, dict):
                self.refused.setdefault(str(item.get("step_name", "")), deque()).append(str(item.get("dtmf", "")))

    def __call__(self, step: Step) -> str | None:
        waiting = self.refused.get(step.step_id)
        if waiting:
            return waiting.popleft()
        if self.taken and self.taken[0][0] == step.step_id:
            return self.taken.popleft()[1]
        return None

    @property
    def finished(self) -> bool:
        return not self.taken and not any(self.refused.values())


@dataclass
class Traffic:
    """Call records counted on one flow, as they stream by: nothing is kept per record."""

    tally: Tally = field(default_factory=Tally)
    placed: int = 0
    answered: int = 0
    off_flow: int = 0  # answered calls whose keys do not fit the flow
    talk: Counter[int] = field(default_factory=Counter)  # billsec of answered calls -> calls
    causes: Counter[str] = field(default_factory=Counter)
    placed_by_hour: Counter[int] = field(default_factory=Counter)
    answered_by_hour: Counter[int] = field(default_factory=Counter)


# Calls that pressed the same keys went the same way: each way is replayed once. Past this many
# different ways (records made up at random), each is replayed and counted at once instead.
KEPT_WAYS = 10_000


def replay(request: dict[str, Any], records: Iterable[CdrRecord]) -> Traffic:
    """Count call records, of any number, on the flow whose request is given."""
    traffic = Traffic()
    steps = _steps(request)
    ways: dict[tuple[Any, ...], Call | None] = {}  # None: not on this flow
    counts: Counter[tuple[Any, ...]] = Counter()
    for record in records:
        traffic.placed += 1
        traffic.causes[record.hangup_cause] += 1
        if record.start_time is not None:
            traffic.placed_by_hour[record.start_time.hour] += 1
        if not record.answered:
            continue
        traffic.answered += 1
        traffic.talk[record.billsec] += 1
        if record.answer_time is not None:
            traffic.answered_by_hour[record.answer_time.hour] += 1
        way = (tuple(record.keys), tuple(_refused(record)), tuple(record.marks))
        if way in ways:
            call = ways[way]
        else:
            call = _replayed(request, steps, record)
            if len(ways) < KEPT_WAYS:
                ways[way] = call
        if call is None:
            traffic.off_flow += 1
        elif way in ways:
            counts[way] += 1
        else:
            traffic.tally.add(request, call)
    for way, count in counts.items():
        traffic.tally.add(request, ways[way], count)  # type: ignore[arg-type]
    return traffic


def _refused(record: CdrRecord) -> list[tuple[str, str]]:
    return [
        (str(item.get("step_name", "")), str(item.get("dtmf", "")))
        for item in record.steps.get("invalid") or []
        if isinstance(item, dict)
    ]


def _replayed(request: dict[str, Any], steps: dict[str, dict[str, Any]], record: CdrRecord) -> Call | None:
    """The record's call pressed again in the simulator; None when it does not fit the flow."""
    named = {name for name, _ in record.keys} | {name for name, _ in _refused(record)}
    if not named <= set(steps):
        return None
    caller = _Replay(record)
    call = run(request, caller)
    if not caller.finished or not _same_marks(call, record):
        return None
    return call


def _same_marks(call: Call, record: CdrRecord) -> bool:
    """The replayed call sets the marks the record holds: otherwise it is another flow's record."""
    replayed = [
        f"custom:{e.get('value')}" if e.get("mark") == "custom" and e.get("value") is not None else str(e.get("mark"))
        for e in call.events
        if e["type"] == "mark"
    ]
    return Counter(replayed) == Counter(record.marks)
