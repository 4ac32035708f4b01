"""Diagrams of a flow: Mermaid (renders on GitHub) and Graphviz DOT (and SVG through `dot`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from ivrc.language import ast
from ivrc.language.model import Model
from ivrc.language.printer import key as key_text

PROMPT_LENGTH = 40


@dataclass
class Graph:
    """Nodes (id -> label, kind) and labelled edges; kinds: start, step, unreachable, missing, end."""

    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    # What each edge stands for, by index: `STEP:N` for the step's Nth handler (from 0),
    # `STEP:next` for leaving a step without a handler, `start` for the call's first step. The
    # overlays (traffic from call records, coverage from flow tests) count by these names.
    edge_keys: list[str] = field(default_factory=list)
    # The step each node stands for (node id -> step name), for the overlays.
    steps: dict[str, str] = field(default_factory=dict)

    def edge(self, source: str, target: str, label: str, key: str) -> None:
        self.edges.append((source, target, label))
        self.edge_keys.append(key)

    def node(self, node_id: str, label: str, kind: str) -> str:
        self.nodes.setdefault(node_id, (label, kind))
        return node_id


def _short(text: str) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= PROMPT_LENGTH else text[: PROMPT_LENGTH - 1] + "…"
    return _isolated(text)


def _isolated(text: str) -> str:
    """A right-to-left prompt (Hebrew) inside a left-to-right diagram: isolated as a unit of its
    own direction, so that its punctuation and the `…` stay where a reader expects them."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "\u2067" + text + "\u2069"
        if kind == "L":
            return text
    return text


def full_prompt(step: ast.Step | ast.Request) -> str:
    """A step's first prompt in full: its words, or the recording's name after a speaker."""
    says = step.statements(ast.Say)
    if not says:
        return ""
    prompt = says[0].prompt
    if isinstance(prompt, ast.FilePrompt):
        return f"recording: {prompt.file.value}"  # words, not an emoji that some fonts lack
    return " ".join(t.value for t in prompt.texts)


def _prompt(step: ast.Step) -> str:
    return _short(full_prompt(step)) if full_prompt(step) else ""


def spoken_length(step: ast.Step | ast.Request) -> str:
    """How long a step's prompts take to say, by the estimate: `said in about 4 s`."""
    from ivrc.language.speech import estimate

    texts = [
        " ".join(t.value for t in say.prompt.texts)
        for say in step.statements(ast.Say)
        if isinstance(say.prompt, ast.SpokenPrompt)
    ]
    return f"said in about {sum(estimate(text) for text in texts):.0f} s" if texts else ""


def build(model: Model, timing: bool = False) -> Graph:
    """The flow as the service runs it: gotos in a branching flow, the step order in a sequential
    one; with `timing`, each step labelled with how long its prompts take to say."""
    graph = Graph()
    ids = {step.name.text: f"s{i}" for i, step in enumerate(model.by_name.values())}
    start = graph.node("start", "call answered", "start")
    steps = list(model.by_name.values())
    if model.request is not None and model.request.kind == "simple_dialer":
        return _simple(graph, model.request, start)
    for step in steps:
        unreachable = model.dependency and step.name.text not in model.reachable
        label = step.name.text + (f"\n{_prompt(step)}" if _prompt(step) else "")
        if timing and spoken_length(step):
            label += f"\n({spoken_length(step)})"
        graph.node(ids[step.name.text], label, "unreachable" if unreachable else "step")
        graph.steps[ids[step.name.text]] = step.name.text
    if steps:
        graph.edge(start, ids[steps[0].name.text], "", "start")
    for index, step in enumerate(steps):
        following = ids[steps[index + 1].name.text] if index + 1 < len(steps) else None
        for label, target, key in _exits(graph, step, ids, model.dependency, following):
            graph.edge(ids[step.name.text], target, label, f"{step.name.text}:{key}")
    return graph


def _exits(
    graph: Graph, step: ast.Step, ids: dict[str, str], dependency: bool, following: str | None
) -> Iterator[tuple[str, str, str]]:
    """Where each key of a step leads (a step, or an end node), with the handler's index."""

    def end_of_flow() -> str:
        return graph.node("flow_end", "end of the call", "end")

    if not step.handlers:
        yield "", following if (following and not dependency) else end_of_flow(), "next"
        return
    for index, handler in enumerate(step.handlers):
        label = key_text(handler.key)
        ending = next(
            (
                a
                for a in handler.actions
                if isinstance(a, ast.ENDING_ACTIONS) and not (isinstance(a, ast.Goto) and not dependency)
            ),
            None,
        )
        if isinstance(ending, ast.Hangup):
            yield label, graph.node("hangup", "hang up", "end"), str(index)
        elif isinstance(ending, ast.Call):
            number = ending.number.written if isinstance(ending.number, ast.Field) else ending.number.value
            yield label, graph.node("call_" + re.sub(r"[^0-9A-Za-z]", "_", number), f"call {number}", "end"), str(index)
        elif isinstance(ending, ast.Goto):
            target = ids.get(ending.target.text)
            if target is None:
                target = graph.node(f"missing_{len(graph.nodes)}", f"missing step {ending.target.text}", "missing")
            yield label, target, str(index)
        else:
            yield label, following if (following and not dependency) else end_of_flow(), str(index)


def _simple(graph: Graph, request: ast.Request, start: str) -> Graph:
    says = request.statements(ast.Say)
    label = "simple dialer" + (f"\n{_prompt(ast.Step(request.keyword, tuple(says), request.span))}" if says else "")
    sound = graph.node("s0", label, "step")
    graph.steps[sound] = ""  # the simple dialer's one prompt; the simulator names it ""
    graph.edge(start, sound, "", "start")
    leg_b = request.setting("leg_b")
    if leg_b is not None and isinstance(leg_b.value, ast.Leg):
        graph.edge(sound, graph.node("call_b", f"call {leg_b.value.number.value}", "end"), "", ":next")
    else:
        graph.edge(sound, graph.node("hangup", "hang up", "end"), "", ":next")
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


@dataclass(frozen=True)
class Mark:
    """What an overlay adds to one node or edge: lines under its label, a tooltip, a CSS class
    for the page's styles, a line width (edges), and a link (nodes: to the step's row)."""

    caption: str = ""
    tooltip: str = ""
    css: str = ""
    width: float = 0.0
    link: str = ""


@dataclass
class Overlay:
    """One drawing mechanism for every overlay: traffic from call records and coverage from
    flow tests both mark the same diagram, by node id and by edge index."""

    nodes: dict[str, Mark] = field(default_factory=dict)
    edges: dict[int, Mark] = field(default_factory=dict)


def _marked(mark: Mark | None, element: str) -> list[str]:
    if mark is None:
        return []
    attributes = [f"id={_dot_string(element)}"]
    if mark.css:
        attributes.append(f"class={_dot_string(mark.css)}")
    if mark.tooltip:
        attributes.append(f"tooltip={_dot_string(mark.tooltip)}")
    if mark.width:
        attributes.append(f"penwidth={mark.width:.2f}")
    if mark.link:
        attributes.append(f"URL={_dot_string(mark.link)}")
    return attributes


def dot(graph: Graph, title: str = "flow", overlay: Overlay | None = None) -> str:
    lines = [
        f"digraph {_dot_string(title)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica"];',
    ]
    for node_id, (label, kind) in graph.nodes.items():
        mark = overlay.nodes.get(node_id) if overlay else None
        if mark is not None and mark.caption:
            label = f"{label}\n{mark.caption}"
        shown = "" if kind == "start" else f"label={_dot_string(label)}, "
        extra = "".join(", " + a for a in _marked(mark, f"node-{node_id}"))
        lines.append(f"  {node_id} [{shown}{_DOT_STYLE[kind]}{extra}];")
    for index, (source, target, label) in enumerate(graph.edges):
        mark = overlay.edges.get(index) if overlay else None
        if mark is not None and mark.caption:
            label = (
                f" {label} · {mark.caption} " if label else f" {mark.caption} "
            )  # spaced: labels side by side stay apart
        attributes = ([f"label={_dot_string(label)}"] if label else []) + _marked(mark, f"edge-{index}")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {source} -> {target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


class DrawError(Exception):
    """Graphviz is missing or could not draw; the message says what to do."""


def svg(dot_text: str) -> str:
    """The SVG that Graphviz's `dot` draws of a DOT text."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise DrawError("drawing needs Graphviz's `dot` program; install Graphviz (e.g. `apt-get install graphviz`)")
    done = subprocess.run([program, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        raise DrawError(f"Graphviz could not draw it: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8")


# ---- Mermaid --------------------------------------------------------------------------------

_MERMAID_SHAPES = {
    "start": ('(("', '"))'),
    "step": ('["', '"]'),
    "unreachable": ('["', '"]'),
    "missing": ('["', '"]'),
    "end": ('((("', '")))'),
}


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
