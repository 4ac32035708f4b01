"""What hovering shows over a phone number (how it reads, E.164) and over a prompt (how long it
takes to say)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ivrc.lsp.server import inside

if TYPE_CHECKING:
    from ivrc.language import ast


def prompt_at(flow: ast.Flow | None, line: int, column: int) -> lsp.Hover | None:
    """How long a prompt under the pointer takes to say: the estimate, which is quick (espeak-ng
    gives `ivrc simulate --timing` its exact length)."""
    import dataclasses

    from ivrc.language import ast
    from ivrc.language.speech import estimate

    found: list[ast.SpokenPrompt] = []

    def walk(node: object) -> None:
        if isinstance(node, ast.SpokenPrompt):
            if any(inside(text.span, line, column) for text in node.texts):  # on its words, not its keyword
                found.append(node)
        elif isinstance(node, tuple):
            for item in node:
                walk(item)
        elif dataclasses.is_dataclass(node) and not isinstance(node, (ast.Text, ast.Name)):
            for item in dataclasses.fields(node):
                if item.name != "span":
                    walk(getattr(node, item.name))

    if flow is not None:  # only the block under the pointer: a big flow has thousands
        walk(tuple(item for item in flow.items if item.span.line <= line <= item.span.end_line))
    if not found:
        return None
    text = " ".join(part.value for part in found[0].texts)
    said = f"Said in about **{estimate(text):.1f} s** (estimated; `ivrc simulate --timing` gives espeak-ng's length)"
    return markdown(said)


def phone_at(flow: ast.Flow | None, line: int, column: int) -> lsp.Hover | None:
    if flow is None:
        return None
    from ivrc.language import model as semantics

    for use in semantics.build(flow).phones:
        if inside(use.text.span, line, column):
            reading = use.reading
            if reading.digits:
                return markdown(
                    f"`{use.text.value}` is **+{reading.digits}** ({reading.region or 'unknown region'}, "
                    f"{reading.status})"
                )
            return markdown(f"`{use.text.value}`: {reading.reason}")
    return None


def markdown(value: str) -> lsp.Hover:
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=value))
