"""Coverage of flow tests: which steps, keys and ends the `.ivrtest` scenarios reach.

A flow's items are:

- each step (reached when a scenario hears its prompt);
- each key handler of a step, a range counted as one (taken when a scenario presses a key it
  takes);
- each end: every end of the diagram (hang up, each number calls are bridged to, the end of the
  steps), and for each step that waits for keys, a wrong key pressed there and the tries running
  out there (no input).

The total is covered items over all items, as coverage.py counts statements and branches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ivrc.insight import graph as diagrams
from ivrc.insight.traffic import Tally
from ivrc.language.model import Model
from ivrc.language.printer import key as key_text


@dataclass(frozen=True)
class Item:
    kind: str  # step, key, end
    name: str  # how the report names it: `menu`, `menu: on 1`, `menu: no input`, `hang up`
    covered: bool
    node: str | None = None  # the diagram's node it marks
    edge: int | None = None  # or the diagram's edge


@dataclass
class FlowCoverage:
    flow: str
    graph: diagrams.Graph
    items: list[Item] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(1 for item in self.items if item.covered)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    def count(self, kind: str, covered: bool | None = None) -> int:
        return sum(1 for item in self.items if item.kind == kind and (covered is None or item.covered == covered))

    def as_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "covered": self.covered,
            "total": self.total,
            "percent": round(self.percent, 2),
            "cover": shown(self.percent, self.covered, self.total),
            "items": [{"kind": i.kind, "name": i.name, "covered": i.covered} for i in self.items],
        }


def measure(flow: str, model: Model, graph: diagrams.Graph, tally: Tally) -> FlowCoverage:
    """The items of one flow, each covered or not by the scenarios' calls counted in `tally`."""
    result = FlowCoverage(flow, graph)
    edge_index = {key: i for i, key in enumerate(graph.edge_keys)}
    arrived: dict[str, int] = {}
    for index, (_, target, _) in enumerate(graph.edges):
        arrived[target] = arrived.get(target, 0) + tally.edges[graph.edge_keys[index]]
    waiting: list[str] = []
    for node_id, name in graph.steps.items():
        result.items.append(Item("step", name or "the call", tally.reached[name] > 0, node=node_id))
        step = model.by_name.get(name)
        for index, handler in enumerate(step.handlers if step is not None else ()):
            key = f"{name}:{index}"
            result.items.append(
                Item("key", f"{name}: on {key_text(handler.key)}", tally.edges[key] > 0, edge=edge_index.get(key))
            )
        if step is not None and step.handlers:
            waiting.append(name)
    for node_id, (label, kind) in graph.nodes.items():
        if kind == "end":
            result.items.append(Item("end", label, arrived.get(node_id, 0) > 0, node=node_id))
    for name in waiting:
        result.items.append(Item("end", f"{name}: wrong key", tally.refused[name] > 0))
        result.items.append(Item("end", f"{name}: no input", tally.ended[name] > 0))
    return result


def anchor(flow: str) -> str:
    """The id of a flow's section in the coverage page."""
    return "flow-" + re.sub(r"[^A-Za-z0-9_-]", "-", flow)


def shown(percent: float, covered: int, total: int) -> str:
    """A percentage that never rounds up to 100% while something is missed, nor down to 0% while
    something is covered."""
    whole = math.floor(percent) if covered < total else round(percent)
    return f"{max(whole, 1) if covered else whole}%"


def table(flows: list[FlowCoverage]) -> str:
    """A table per flow and the total, like `coverage report`, then what each flow misses."""
    headers = ("Flow", "Steps", "Miss", "Keys", "Miss", "Ends", "Miss", "Cover")
    rows = []
    for item in flows:
        rows.append(
            (
                item.flow,
                *(
                    str(n)
                    for kind in ("step", "key", "end")
                    for n in (item.count(kind), item.count(kind, covered=False))
                ),
                shown(item.percent, item.covered, item.total),
            )
        )
    covered = sum(f.covered for f in flows)
    total = sum(f.total for f in flows)
    totals = (
        "TOTAL",
        *(str(sum(int(row[i]) for row in rows)) for i in range(1, 7)),
        shown(total_percent(flows), covered, total),
    )
    widths = [max(len(row[i]) for row in (headers, *rows, totals)) for i in range(len(headers))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))

    rule = "-" * len(line(headers))
    out = [line(headers), rule, *(line(row) for row in rows), rule, line(totals)]
    for item in flows:
        missing = [i.name for i in item.items if not i.covered]
        if missing:
            out.append(f"{item.flow}: not tested: {', '.join(missing)}")
    return "\n".join(out) + "\n"


def total_percent(flows: list[FlowCoverage]) -> float:
    total = sum(f.total for f in flows)
    return 100.0 * sum(f.covered for f in flows) / total if total else 100.0


def overlay(coverage: FlowCoverage) -> diagrams.Overlay:
    """Untested steps, keys and ends marked on the diagram (the same mechanism as traffic)."""
    drawn = diagrams.Overlay()
    for item in coverage.items:
        state = "tested" if item.covered else "untested"
        mark = diagrams.Mark(
            caption="" if item.covered else "untested", tooltip=f"{item.name}: {state}", css=f"{state}"
        )
        if item.node is not None:
            drawn.nodes[item.node] = diagrams.Mark(
                caption=mark.caption, tooltip=mark.tooltip, css=state, link=f"#{anchor(coverage.flow)}"
            )
        elif item.edge is not None:
            drawn.edges[item.edge] = mark
    return drawn
