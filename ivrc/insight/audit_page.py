"""The audit as a self-contained HTML page: the counts by rule, and a table of every breach with
its record, as the campaign report is drawn (`page.py`)."""

from __future__ import annotations

from html import escape
from typing import Any

from ivrc.insight.page import _page, _table


def audit(figures: dict[str, Any], sources: list[str], policy: str) -> str:
    """`figures` as `Audit.as_json` gives them."""
    breaches = figures["breaches"]
    verdict = "No breach of the policy." if not breaches else f"{breaches} breach{'es' if breaches != 1 else ''}."
    cards = [("records", figures["records"]), ("breaches", breaches)] + list(figures["by_rule"].items())
    body = [
        "<header>",
        "<h1>Compliance audit</h1>",
        f'<p class="sources">{escape(", ".join(sources))} against the policy of {escape(policy)}</p>',
        "</header>",
        "<main>",
        f"<p>{escape(verdict)}</p>",
        '<ul class="cards">'
        + "".join(f"<li><strong>{escape(str(v))}</strong> {escape(k)}</li>" for k, v in cards)
        + "</ul>",
    ]
    if figures["findings"]:
        body.append("<h2>Breaches</h2>")
        rows = [
            [f["file"] + ":" + f["place"], f["rule"], f["time"], f["number"], f["message"]] for f in figures["findings"]
        ]
        headers = ["record", "rule", "start (UTC)", "number", "what"]
        body.append(_table("Each breach and the record it is in", headers, rows))
    body.append("</main>")
    return _page("Compliance audit", body)
