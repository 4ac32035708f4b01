"""Diagrams of a flow: Mermaid (renders on GitHub) and Graphviz DOT (and SVG through `dot`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ivrc import ast
from ivrc.model import Model
from ivrc.printer import key as key_text

PROMPT_LENGTH = 40


@dataclass
class Graph:
    """Nodes (id -> label, kind) and labelled edges; kinds: start, step, unreachable, missing, end."""

    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def node(self, node_id: str, label: str, kind: str) -> str:
        self.nodes.setdefault(node_id, (label, kind))
        return node_id


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PROMPT_LENGTH else text[: PROMPT_LENGTH - 1] + "…"


def _prompt(step: ast.Step) -> str:
    says = step.statements(ast.Say)
    if not says:
        return ""
    prompt = says[0].prompt
    if isinstance(prompt, ast.FilePrompt):
        return f"🔊 {prompt.file.value}"
    return _short(" ".join(t.value for t in prompt.texts))


def build(model: Model) -> Graph:
    """The flow as the service runs it: gotos in a branching flow, the step order in a sequential one."""
    graph = Graph()
    ids = {step.name.text: f"s{i}" for i, step in enumerate(model.by_name.values())}
    start = graph.node("start", "call answered", "start")
    steps = list(model.by_name.values())
    if model.request is not None and model.request.kind == "simple_dialer":
        return _simple(graph, model.request, start)
    for step in steps:
        unreachable = model.dependency and step.name.text not in model.reachable
        label = step.name.text + (f"\n{_prompt(step)}" if _prompt(step) else "")
        graph.node(ids[step.name.text], label, "unreachable" if unreachable else "step")
    if steps:
        graph.edges.append((start, ids[steps[0].name.text], ""))
    for index, step in enumerate(steps):
        following = ids[steps[index + 1].name.text] if index + 1 < len(steps) else None
        for label, target in _exits(graph, step, ids, model.dependency, following):
            graph.edges.append((ids[step.name.text], target, label))
    return graph


def _exits(graph: Graph, step: ast.Step, ids: dict[str, str], dependency: bool, following: str | None) -> Iterator[tuple[str, str]]:
    """Where each key of a step leads: a step, or an end node."""

    def end_of_flow() -> str:
        return graph.node("flow_end", "end of the call", "end")

    if not step.handlers:
        yield "", following if (following and not dependency) else end_of_flow()
        return
    for handler in step.handlers:
        label = key_text(handler.key)
        ending = next((a for a in handler.actions if isinstance(a, ast.ENDING_ACTIONS) and not (isinstance(a, ast.Goto) and not dependency)), None)
        if isinstance(ending, ast.Hangup):
            yield label, graph.node("hangup", "hang up", "end")
        elif isinstance(ending, ast.Call):
            number = ending.number.written if isinstance(ending.number, ast.Field) else ending.number.value
            yield label, graph.node("call_" + re.sub(r"[^0-9A-Za-z]", "_", number), f"call {number}", "end")
        elif isinstance(ending, ast.Goto):
            target = ids.get(ending.target.text)
            if target is None:
                target = graph.node(f"missing_{len(graph.nodes)}", f"missing step {ending.target.text}", "missing")
            yield label, target
        else:
            yield label, following if (following and not dependency) else end_of_flow()


def _simple(graph: Graph, request: ast.Request, start: str) -> Graph:
    says = request.statements(ast.Say)
    label = "simple dialer" + (f"\n{_prompt(ast.Step(request.keyword, tuple(says), request.span))}" if says else "")
    sound = graph.node("s0", label, "step")
    graph.edges.append((start, sound, ""))
    leg_b = request.setting("leg_b")
    if leg_b is not None and isinstance(leg_b.value, ast.Leg):
        graph.edges.append((sound, graph.node("call_b", f"call {leg_b.value.number.value}", "end"), ""))
    else:
        graph.edges.append((sound, graph.node("hangup", "hang up", "end"), ""))
    return graph


# ---- Graphviz ------------------------------------------------------------------------------

_DOT_STYLE = {
    "start": 'shape=circle, label="", width=0.25, style=filled, fillcolor=black',
    "step": "shape=box, style=rounded",
    "unreachable": 'shape=box, style="rounded,dashed", color="#c0392b", fontcolor="#c0392b"',
    "missing": 'shape=box, style=dashed, color="#c0392b", fontcolor="#c0392b"',
    "end": "shape=ellipse, peripheries=2",
}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(graph: Graph, title: str = "flow") -> str:
    lines = [f"digraph {_dot_string(title)} {{", "  rankdir=TB;", '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica"];']
    for node_id, (label, kind) in graph.nodes.items():
        shown = "" if kind == "start" else f"label={_dot_string(label)}, "
        lines.append(f"  {node_id} [{shown}{_DOT_STYLE[kind]}];")
    for source, target, label in graph.edges:
        suffix = f" [label={_dot_string(label)}]" if label else ""
        lines.append(f"  {source} -> {target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- Mermaid --------------------------------------------------------------------------------

_MERMAID_SHAPES = {"start": ('(("', '"))'), "step": ('["', '"]'), "unreachable": ('["', '"]'), "missing": ('["', '"]'), "end": ('((("', '")))')}


def _mermaid_text(text: str) -> str:
    escaped = text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return escaped.replace("\n", "<br/>")


def mermaid(graph: Graph) -> str:
    lines = ["flowchart TD"]
    for node_id, (label, kind) in graph.nodes.items():
        opening, closing = _MERMAID_SHAPES[kind]
        shown = " " if kind == "start" else _mermaid_text(label)
        lines.append(f"    {node_id}{opening}{shown}{closing}")
    for source, target, label in graph.edges:
        arrow = f' -->|"{_mermaid_text(label)}"| ' if label else " --> "
        lines.append(f"    {source}{arrow}{target}")
    flagged = [n for n, (_, kind) in graph.nodes.items() if kind in ("unreachable", "missing")]
    if flagged:
        lines.append("    classDef problem stroke:#c0392b,stroke-dasharray:5 5,color:#c0392b;")
        lines.append(f"    class {','.join(flagged)} problem;")
    return "\n".join(lines) + "\n"
