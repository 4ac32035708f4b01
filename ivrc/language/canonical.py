"""The one canonical order of a flow's statements: where `ivrc fmt` puts each setting, step
statement and action, and what the semantic diff compares."""

from __future__ import annotations

from typing import Any

from ivrc.language import ast

# The order in which `ivrc decompile` writes each block (where to report, whom to call, how,
# when; a step's voice and prompt, then what it waits for); a step's handlers come last, in
# the order written, since that order is the order of `dtmf_ivr`.
_ORDERS = {
    "dialer": (
        "return_address",
        "numbers_from_queue",
        "number",
        "cli",
        "dtmf_originator",
        "max_retries",
        "ring_timeout",
        "retry_wait_time",
        "schedule",
    ),
    "simple_dialer": (
        "leg_a",
        "from_campaign",
        "sound",
        "gender",
        "answer_delay",
        "leg_b",
        "ring_timeout",
        "max_retries",
        "retry_wait_time",
        "dial_at",
    ),
    "step": ("gender", "sound", "dtmf_ivr", "dtmf_ivr_timeout", "dtmf_ivr_retries", "dtmf_ivr_invalid_text"),
}


def _field(node: Any) -> str | None:
    if isinstance(node, ast.Setting):
        return node.field
    if isinstance(node, ast.Say):
        return "sound"
    if isinstance(node, ast.Keys):
        return "dtmf_ivr"
    if isinstance(node, ast.Invalid):
        return "dtmf_ivr_invalid_text"
    return None


def rank(node: Any, block: str = "top") -> int:
    """Where a statement goes in its block: settings in decompile's order, then handlers; at
    the top, the region, the request, then the steps in their own order."""
    if block == "top":
        return 0 if isinstance(node, ast.Region) else 1 if isinstance(node, ast.Request) else 2
    order = _ORDERS.get(block, ())
    field = _field(node)
    return order.index(field) if field in order else len(order)


def canonical(nodes: list[Any], block: str = "top") -> list[Any]:
    return sorted(nodes, key=lambda node: rank(node, block))


def block_of(node: Any) -> str:
    if isinstance(node, ast.Request):
        return node.kind
    return "step" if isinstance(node, ast.Step) else "actions"


def canonical_flow(flow: ast.Flow) -> ast.Flow:
    """The flow with every block's statements in the canonical order: what `fmt` prints."""
    from dataclasses import replace

    items = []
    for item in canonical(list(flow.items)):
        if isinstance(item, (ast.Step, ast.Request)):
            item = replace(item, body=tuple(canonical(list(item.body), block_of(item))))
        items.append(item)
    return replace(flow, items=tuple(items))
