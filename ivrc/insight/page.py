"""Self-contained HTML pages: the campaign report and the coverage report. Styles, script and
drawings are inline, so the file opens from an email or a CI artifact with no network.

Every drawing has a text alternative: the diagram an accessible name and description plus the
tables beside it, each chart a table of the same figures. Prompts keep their own direction
(`dir="auto"`), so Hebrew reads right to left.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

STYLE = """
:root { color: #1a1a1a; background: #ffffff; font: 15px/1.45 system-ui, sans-serif; }
body { margin: 0 auto; max-width: 112rem; padding: 1.5rem; }
main > p, main > h2, main > table, main > .scroll:not(figure) { max-width: 72rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d0d0; }
.sources { color: #4a4a4a; margin: 0; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; padding: 0; list-style: none; }
.cards li { border: 1px solid #c8c8c8; border-radius: .4rem; padding: .5rem .9rem; min-width: 9rem; }
.cards strong { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border-bottom: 1px solid #dcdcdc; padding: .25rem .6rem; text-align: start; vertical-align: top; }
td.n, th.n { text-align: end; font-variant-numeric: tabular-nums; }
figure { margin: 0; overflow-x: auto; }
.scroll { overflow-x: auto; max-width: 100%; }
svg.chart { max-width: 100%; height: auto; }
h1, h2, p { overflow-wrap: anywhere; }
figcaption { color: #4a4a4a; }
.diagram { display: grid; grid-template-columns: minmax(0, 1fr) minmax(12rem, 20rem); gap: 1rem; align-items: start; }
.diagram figure { min-width: 0; }
.detail { min-height: 3rem; border-inline-start: 4px solid #0b57d0; padding: .25rem .75rem; white-space: pre-line;
  margin: 0; position: sticky; top: 1rem; }
@media (max-width: 48rem) { .diagram { grid-template-columns: minmax(0, 1fr); } .detail { position: static; } }
svg a:focus { outline: 3px solid #0b57d0; }
.node.unused path, .node.unused polygon, .node.untested path, .node.untested polygon,
.edge.untested path { stroke-dasharray: 5 4; }
.node.untested text, .edge.untested text { fill: #a1271b; }
.node.untested path, .node.untested polygon, .edge.untested path, .edge.untested polygon { stroke: #a1271b; }
.node.unused text, .edge.unused text { fill: #595959; }
.node.reached path, .node.reached polygon, .edge.used path, .edge.used polygon { stroke: #0b57d0; }
.node.tested path, .node.tested polygon, .edge.tested path, .edge.tested polygon { stroke: #1d6b35; }
.bar { fill: #0b57d0; } .bar.light { fill: #8fb3ea; }
.missing { color: #a1271b; }
"""

SCRIPT = """
(function () {
  var XLINK = 'http://www.w3.org/1999/xlink';
  document.querySelectorAll('svg.flow a').forEach(function (link) {
    var panel = link.closest('.diagram').querySelector('.detail');
    function show() { panel.textContent = link.getAttributeNS(XLINK, 'title') || link.getAttribute('title') || ''; }
    link.addEventListener('mouseenter', show);
    link.addEventListener('focus', show);
  });
})();
"""


def _svg_inline(svg: str, label: str, description: str, number: int = 0) -> str:
    """Graphviz's SVG made fit to sit in a page: no XML prologue, an accessible name and
    description (ids numbered, for a page of several)."""
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.S).strip()
    # Graphviz titles each graph, node and edge by its own names (`s0`, `start->s0`): not words for
    # people, nor for screen readers. The drawing's name and each step's link say what they are.
    svg = re.sub(r"<title>[^<]*</title>", "", svg)
    suffix = f"-{number}" if number else ""
    if number:  # Graphviz numbers its elements from 1 in every drawing: keep each id unique
        svg = re.sub(r'\bid="([^"]*)"', rf'id="d{number}-\1"', svg)
    return svg.replace(
        "<svg ",
        f'<svg class="flow" role="img" aria-labelledby="flow-title{suffix} flow-desc{suffix}" ',
        1,
    ).replace(
        ">",
        f'><title id="flow-title{suffix}">{escape(label)}</title><desc '
        f'id="flow-desc{suffix}">{escape(description)}</desc>',
        1,
    )


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            f"<script>{SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _figure(label: str) -> str:
    """A diagram's box: it scrolls when the diagram is wider than its column, and the keyboard
    can reach it to scroll it (axe-core's scrollable-region-focusable). It opens the diagram's
    block, which `_diagram_end` closes with the panel that shows what is pointed at, beside it
    (below it on a phone)."""
    return f'<div class="diagram"><figure class="scroll" role="group" aria-label="{escape(label)}" tabindex="0">'


def _diagram_end(hint: str) -> str:
    return f'</figure><p class="detail" aria-live="polite">{escape(hint)}</p></div>'


def _table(
    caption: str,
    headers: list[str],
    rows: list[list[Any]],
    numeric: set[int] | None = None,
    row_ids: list[str] | None = None,
) -> str:
    numeric = numeric or set()
    head = "".join(
        f'<th scope="col"{" class=n" if i in numeric else ""}>{escape(h)}</th>' for i, h in enumerate(headers)
    )
    lines = [f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>"]
    for r, row in enumerate(rows):
        cells = []
        for i, value in enumerate(row):
            shown = "–" if value is None else escape(str(value))
            cells.append(f'<td class="n">{shown}</td>' if i in numeric else f'<td dir="auto">{shown}</td>')
        row_id = f' id="{escape(row_ids[r])}"' if row_ids else ""
        lines.append(f"<tr{row_id}>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    # A table wider than a phone scrolls inside its own box, which the keyboard can reach.
    box = f'<div class="scroll" role="region" aria-label="{escape(caption)}" tabindex="0">'
    return box + "\n".join(lines) + "</div>"


def _bars(title: str, items: list[tuple[str, int, int | None]], unit: str, legend: tuple[str, str] = ("", "")) -> str:
    """A bar chart drawn as SVG: (label, value, optional lighter value behind it); `legend` names
    the light and the dark shade when there are two."""
    width, height, gap = 640, 180, 2
    top = max([max(v, w or 0) for _, v, w in items] or [0]) or 1
    bar = (width - 40) / max(len(items), 1)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height + 30}" '
        f'width="{width}" height="{height + 30}">'
    ]
    for i, (label, value, behind) in enumerate(items):
        x = 30 + i * bar
        for amount, css in ((behind, "bar light"), (value, "bar")):
            if amount:
                h = height * amount / top
                parts.append(
                    f'<rect class="{css}" x="{x + gap:.1f}" y="{height - h:.1f}" width="{bar - 2 * gap:.1f}" '
                    f'height="{h:.1f}"><title>{escape(label)}: {amount} {unit}</title></rect>'
                )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height + 14}" font-size="10" text-anchor="middle">{escape(label)}</text>'
        )
    if any(behind for _, _, behind in items):  # two shades: a legend says which is which
        for offset, (css, words) in enumerate((("bar light", legend[0]), ("bar", legend[1]))):
            x = width - 170 + offset * 85
            parts.append(f'<rect class="{css}" x="{x}" y="2" width="10" height="10"/>')
            parts.append(f'<text x="{x + 14}" y="11" font-size="10">{escape(words)}</text>')
    parts.append(f'<line x1="28" y1="{height}" x2="{width - 8}" y2="{height}" stroke="#595959"/>')
    parts.append(f'<text x="2" y="10" font-size="10">{top}</text></svg>')
    return "".join(parts)


def _seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:g} s"


def campaign(figures: dict[str, Any], svg: str) -> str:
    """The campaign report: figures, the flow with its traffic, outcomes, funnel and charts."""
    calls = figures["calls"]
    rate = "–" if calls["answer_rate"] is None else f"{calls['answer_rate']:.0%}"
    cards = [
        ("calls placed", calls["placed"]),
        ("answered", f"{calls['answered']} ({rate})"),
        ("median talk time", _seconds(figures["talk_seconds"]["median"])),
        ("90th percentile talk time", _seconds(figures["talk_seconds"]["p90"])),
        ("not on this flow", calls["not_on_flow"]),
    ]
    body = [
        f"<header><h1>Campaign report: {escape(figures['flow'])}</h1>",
        f'<p class="sources">Call records: {escape(sources_in_words(figures["sources"]))}</p></header>',
        "<main>",
        '<ul class="cards" aria-label="summary">'
        + "".join(
            f'<li data-figure="{escape(name)}">{escape(name)}<strong>{escape(str(value))}</strong></li>'
            for name, value in cards
        )
        + "</ul>",
    ]
    if calls["not_on_flow"]:
        body.append(
            f'<p class="missing">{calls["not_on_flow"]} answered calls have keys that do not fit this flow (another '
            "flow's records, "
            "or the flow changed since): they are counted here and left out of the drawing.</p>"
        )
    description = "; ".join(f"{s['step']}: {s['reached']} calls, {s['left']} left" for s in figures["steps"])
    body += [
        "<h2>The flow, with its calls</h2>",
        _figure(f"The flow of {figures['flow']}"),
        _svg_inline(svg, f"Flow diagram of {figures['flow']} with call counts", description),
        "<figcaption>Each step shows the calls that reached it and those that hung up or timed out there; each key's "
        "line is as wide "
        "as the calls that took it. Point at a step, or move to it with Tab, to read its figures.</figcaption>",
        _diagram_end("Point at a step to see its figures and its prompt."),
        _steps_table(figures),
        "<h2>Outcomes</h2>",
        _table(
            "How answered calls ended",
            ["end", "in words", "calls"],
            [[e["end"], e["in_words"], e["calls"]] for e in figures["ends"]],
            {2},
        ),
        _table(
            "Marks set during calls",
            ["mark", "calls", "set at"],
            [[m["mark"], m["calls"], ", ".join(f"{s} ({n})" for s, n in m["steps"].items())] for m in figures["marks"]]
            or [["(none)", 0, ""]],
            {1},
        ),
        "<h2>Main path</h2>",
        _table(
            "Calls along the path most calls took",
            ["step", "calls"],
            [[f["step"], f["calls"]] for f in figures["funnel"]],
            {1},
        ),
        *_cost(figures.get("cost")),
        "<h2>Calls by hour</h2>",
        _bars(
            "Calls placed (light) and answered (dark) by hour of the day",
            [(f"{h['hour']:02d}", h["answered"], h["placed"]) for h in figures["hours"]],
            "calls",
            ("placed", "answered"),
        ),
        _table(
            "Calls by hour",
            ["hour", "placed", "answered"],
            [[f"{h['hour']:02d}", h["placed"], h["answered"]] for h in figures["hours"] if h["placed"]],
            {1, 2},
        ),
        "<h2>Hangup causes</h2>",
        _bars(
            "Calls by hangup cause",
            [(c["cause"] or "(none)", c["calls"], None) for c in figures["hangup_causes"]],
            "calls",
        ),
        _table(
            "Hangup causes",
            ["cause", "in words", "calls"],
            [[c["cause"], c["in_words"], c["calls"]] for c in figures["hangup_causes"]],
            {2},
        ),
        "</main>",
    ]
    return _page(f"Campaign report: {figures['flow']}", body)


def _steps_table(figures: dict[str, Any]) -> str:
    rows = []
    for step in figures["steps"]:
        keys = ", ".join(f"{k['key']} → {k['to']}: {k['calls']}" for k in step["keys"]) or "–"
        rows.append(
            [step["step"] or "(the call)", step["prompt"], step["reached"], step["left"], step["refused"], keys]
        )
    return _table(
        "Calls by step",
        ["step", "prompt", "reached", "hung up or timed out", "pressed a wrong key", "keys"],
        rows,
        {2, 3, 4},
        [f"step-{s['node']}" for s in figures["steps"]],
    )


def coverage(flows: list[dict[str, Any]], svgs: list[str]) -> str:
    """The coverage report: a table per flow and its diagram with untested parts marked."""
    from ivrc.insight.coverage import anchor

    body = ["<header><h1>Flow test coverage</h1></header>", "<main>"]
    rows = [[f["flow"], f["covered"], f["total"], f["cover"]] for f in flows]
    body.append(_table("Coverage by flow", ["flow", "covered", "items", "cover"], rows, {1, 2, 3}))
    for number, (figures, svg) in enumerate(zip(flows, svgs, strict=True), start=1):
        missing = [item["name"] for item in figures["items"] if not item["covered"]]
        body += [
            f'<h2 id="{anchor(figures["flow"])}">{escape(figures["flow"])}: {figures["cover"]}</h2>',
            _figure(f"The flow of {figures['flow']}"),
            _svg_inline(
                svg,
                f"Flow diagram of {figures['flow']} with untested parts marked",
                "untested: " + (", ".join(missing) or "none"),
                number,
            ),
            "<figcaption>Untested steps and keys are drawn dashed and red, and say so in their label.</figcaption>",
            _diagram_end("Point at a step to see whether it is tested."),
            '<p class="missing">Not tested: ' + escape(", ".join(missing)) + "</p>"
            if missing
            else "<p>Every step, key and end is tested.</p>",
        ]
    body.append("</main>")
    return _page("Flow test coverage", body)


def sources_in_words(sources: list[str]) -> str:
    """The call-record files a report read, in a line: three or fewer by name, more counted
    with their folder and the first and last names (`20 files in records/: a.csv … t.csv`)."""
    if len(sources) <= 3:
        return ", ".join(sources)
    import os

    folders = {os.path.dirname(source) for source in sources}
    folder = f" in {folders.pop()}/" if len(folders) == 1 and "" not in folders else ""
    names = [os.path.basename(source) if folder else source for source in sources]
    return f"{len(sources)} files{folder}: {names[0]} … {names[-1]}"


def _cost(cost: dict[str, Any] | None) -> list[str]:
    """Estimated against actual: the tariff applied to the simulated length of each call's way
    through the flow, and to its billed seconds."""
    if not cost:
        return []
    unit = f" ({cost['currency']})" if cost["currency"] else ""
    rows = [
        [kind, f"{cost[kind]['billed_minutes']:.2f}", f"{cost[kind]['cost']:.2f}"] for kind in ("estimated", "actual")
    ]
    note = (
        f'<p class="missing">{cost["unpriced"]} calls went to numbers with no price in the tariff.</p>'
        if cost["unpriced"]
        else ""
    )
    return [
        "<h2>Cost</h2>",
        _table(
            f"Estimated against actual, {cost['calls']} calls at {cost['increment']}",
            ["figure", "billed minutes", f"cost{unit}"],
            rows,
            {1, 2},
        ),
        note,
    ]
