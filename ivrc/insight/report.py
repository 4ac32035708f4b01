"""A campaign's figures from its call records, counted on its flow: what `ivrc report` writes as
JSON and draws as a page (`ivrc.insight.page`).

Talk time is the records' `billsec` of answered calls. The median is the middle value (the mean
of the two middle values for an even count); the 90th percentile is the nearest-rank value, the
smallest talk time that at least 90% of answered calls do not exceed (api-notes 24).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from ivrc.insight import graph as diagrams
from ivrc.insight.traffic import Traffic
from ivrc.language.model import Model
from ivrc.language.printer import key as key_text
from ivrc.running.records import HANGUP_CAUSES

ENDS_IN_WORDS = {
    "hangup": "the flow hung up",
    "call": "bridged to another number",
    "no-input": "no valid key in all the tries",
    "end-of-flow": "the flow ran out of steps",
    "limit": "stopped by the simulator's bound",
}


def _ranked(counts: Counter[int], rank: int) -> int:
    """The value at a 1-based rank of the sorted values that `counts` counts."""
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise ValueError(rank)


def _median(counts: Counter[int]) -> float | int | None:
    total = sum(counts.values())
    if not total:
        return None
    low, high = _ranked(counts, (total + 1) // 2), _ranked(counts, total // 2 + 1)
    middle = (low + high) / 2
    return int(middle) if middle == int(middle) else middle


def _percentile(counts: Counter[int], share: float) -> int | None:
    total = sum(counts.values())
    return _ranked(counts, max(math.ceil(share * total), 1)) if total else None


def figures(flow: str, model: Model, graph: diagrams.Graph, traffic: Traffic, sources: list[str]) -> dict[str, Any]:
    """Every figure of the report, as plain data (the JSON format, and what the page shows)."""
    tally = traffic.tally
    placed = traffic.placed
    causes = traffic.causes
    steps = []
    handlers_by_step = {s.name.text: s.handlers for s in model.by_name.values()}
    edge_index = {key: i for i, key in enumerate(graph.edge_keys)}
    for node_id, name in graph.steps.items():
        step = model.by_name.get(name)
        keys = []
        for index, handler in enumerate(handlers_by_step.get(name, ())):
            key = f"{name}:{index}"
            target = graph.edges[edge_index[key]][1] if key in edge_index else ""
            keys.append(
                {
                    "key": key_text(handler.key),
                    "calls": tally.edges[key],
                    "to": graph.nodes.get(target, ("", ""))[0].split("\n")[0],
                }
            )
        steps.append(
            {
                "step": name,
                "node": node_id,
                "prompt": diagrams.full_prompt(step)
                if step is not None
                else diagrams.full_prompt(model.request)
                if model.request is not None and name == ""
                else "",
                "reached": tally.reached[name],
                "left": tally.ended[name],
                "refused": tally.refused[name],
                "keys": keys,
            }
        )
    return {
        "flow": flow,
        "sources": sources,
        "calls": {
            "placed": placed,
            "answered": traffic.answered,
            "answer_rate": round(traffic.answered / placed, 4) if placed else None,
            "on_flow": tally.calls,
            "not_on_flow": traffic.off_flow,
        },
        "talk_seconds": {"median": _median(traffic.talk), "p90": _percentile(traffic.talk, 0.9)},
        "hangup_causes": [
            {
                "cause": cause,
                "in_words": HANGUP_CAUSES.get(cause, "not in the document" if cause else "not given"),
                "calls": count,
            }
            for cause, count in sorted(causes.items(), key=lambda item: (-item[1], item[0]))
        ],
        "ends": [
            {"end": end, "in_words": ENDS_IN_WORDS.get(end, end), "calls": count}
            for end, count in sorted(tally.ends.items(), key=lambda i: (-i[1], i[0]))
        ],
        "marks": [
            {
                "mark": mark,
                "calls": count,
                "steps": {step: n for (step, m), n in sorted(tally.marks_at.items()) if m == mark},
            }
            for mark, count in sorted(tally.marks.items(), key=lambda item: (-item[1], item[0]))
        ],
        "funnel": funnel(graph, traffic),
        "hours": hours(traffic),
        "steps": steps,
    }


def funnel(graph: diagrams.Graph, traffic: Traffic) -> list[dict[str, Any]]:
    """The main path: from the first step, on to where most of its calls went, until an end or
    a step already on the path; each with the calls that got there."""
    tally = traffic.tally
    leaving: dict[str, Counter[str]] = {}  # node -> target -> calls
    for index, (source, target, _) in enumerate(graph.edges):
        calls = tally.edges[graph.edge_keys[index]]
        leaving.setdefault(source, Counter())[target] += calls
    path: list[dict[str, Any]] = [{"step": "answered", "calls": traffic.answered - traffic.off_flow}]
    node = "start"
    seen = {node}
    while leaving.get(node):
        target, calls = min(leaving[node].items(), key=lambda item: (-item[1], item[0]))
        if not calls or target in seen:
            break
        seen.add(target)
        name = graph.steps.get(target)
        # A step counts every call that reached it; an end, the calls that came from the path.
        path.append(
            {"step": graph.nodes[target][0].split("\n")[0], "calls": tally.reached[name] if name is not None else calls}
        )
        node = target
    return path


def hours(traffic: Traffic) -> list[dict[str, int]]:
    """Calls placed and answered by the hour of the day they started, in the records' own time."""
    return [
        {"hour": hour, "placed": traffic.placed_by_hour[hour], "answered": traffic.answered_by_hour[hour]}
        for hour in range(24)
    ]


def overlay(graph: diagrams.Graph, figures_: dict[str, Any], traffic: Traffic) -> diagrams.Overlay:
    """The traffic drawn on the diagram: calls at each step, calls along each edge (wider for
    more), calls that left at a step; unused parts dimmed."""
    tally = traffic.tally
    drawn = diagrams.Overlay()
    by_node = {s["node"]: s for s in figures_["steps"]}
    for node_id, step in by_node.items():
        caption = f"{step['reached']} calls"
        if step["left"]:
            caption += f" · {step['left']} left here"
        marked = sorted(
            ((mark, n) for (name, mark), n in tally.marks_at.items() if name == step["step"]),
            key=lambda item: (-item[1], item[0]),
        )
        if marked:  # marks are outcomes: shown where they were set
            caption += "\nmarked " + ", ".join(f"{mark.removeprefix('custom:')} {n}" for mark, n in marked)
        tooltip = (
            f"{step['step']}: {step['reached']} calls reached it, {step['left']} hung up or timed out here, "
            f"{step['refused']} pressed a key it does not take"
        )
        if marked:
            tooltip += "\nMarks: " + ", ".join(f"{mark} {n}" for mark, n in marked)
        if step["prompt"]:
            tooltip += f"\nPrompt: \u2068{step['prompt']}\u2069"  # isolated: a Hebrew prompt keeps its order
        css = "step reached" if step["reached"] else "step unused"
        drawn.nodes[node_id] = diagrams.Mark(caption=caption, tooltip=tooltip, css=css, link=f"#step-{node_id}")
    busiest = max((tally.edges[key] for key in graph.edge_keys), default=0) or 1
    for index, key in enumerate(graph.edge_keys):
        calls = tally.edges[key]
        drawn.edges[index] = diagrams.Mark(
            caption=str(calls),
            tooltip=f"{calls} calls",
            css="edge used" if calls else "edge unused",
            width=1 + 7 * calls / busiest,
        )
    return drawn
