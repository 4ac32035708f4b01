"""Inline suppressions: `# ivrc: ignore[rule-name] reason`, on the line or the line before."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic

_PATTERN = re.compile(r"#\s*ivrc:\s*ignore\[([^\]]*)\]")
# What looks meant as a suppression but has no `[rule, …]` list: it would suppress nothing.
_BARE = re.compile(r"#\s*ivrc\s*:?\s*ignore(?!\[)\b")


@dataclass(frozen=True)
class Suppression:
    rules: tuple[tuple[str, ast.Span], ...]  # each named rule and where its name stands
    comment: ast.Comment


def suppressions(comments: tuple[ast.Comment, ...]) -> list[Suppression]:
    found = []
    for comment in comments:
        match = _PATTERN.match(comment.text)
        if match is None:
            continue
        names = []
        offset = match.start(1)
        for part in match.group(1).split(","):
            name = part.strip()
            if name:
                start = offset + part.index(name)
                column = comment.span.column + start
                names.append(
                    (
                        name,
                        ast.Span(
                            comment.span.line,
                            column,
                            comment.span.line,
                            column + len(name),
                            comment.span.start + start,
                            comment.span.start + start + len(name),
                        ),
                    )
                )
            offset += len(part) + 1
        found.append(Suppression(tuple(names), comment))
    return found


def _statements(flow: ast.Flow) -> list[ast.Span]:
    """The spans of everything a comment can trail: items, statements and actions."""
    spans: list[ast.Span] = []
    for item in flow.items:
        spans.append(item.span)
        for statement in getattr(item, "body", ()):
            spans.append(statement.span)
            if isinstance(statement, ast.Handler):
                spans.extend(a.span for a in statement.actions)
    return spans


def _lines(suppression: Suppression, spans: list[ast.Span]) -> range:
    """A comment on a line of its own covers that line and the next. A comment after code
    covers the whole statement it trails, so a block that `ivrc fmt` spreads over several
    lines stays covered."""
    line = suppression.comment.span.line
    trailed = [s for s in spans if s.end_line == line and s.end <= suppression.comment.span.start]
    if trailed:
        return range(min(s.line for s in trailed), line + 1)
    return range(line, line + 2)


def bare(comments: tuple[ast.Comment, ...]) -> list[ast.Comment]:
    """Comments written as a suppression without the bracketed rule list (`# ivrc: ignore`)."""
    return [c for c in comments if _PATTERN.match(c.text) is None and _BARE.match(c.text) is not None]


def apply(diagnostics: list[Diagnostic], flow: ast.Flow) -> tuple[list[Diagnostic], list[tuple[str, ast.Span]]]:
    """The findings no suppression covers; and each rule name in a suppression that covered
    no finding, with where the name is written."""
    spans = _statements(flow)
    covering: dict[tuple[int, str], list[int]] = {}
    named: list[tuple[str, ast.Span]] = []
    for suppression in suppressions(flow.comments):
        lines = _lines(suppression, spans)
        for name, span in suppression.rules:
            for line in lines:
                covering.setdefault((line, name), []).append(len(named))
            named.append((name, span))
    used: set[int] = set()
    kept = []
    for d in diagnostics:
        hits = covering.get((d.line, d.rule))
        if hits:
            used.update(hits)
        else:
            kept.append(d)
    return kept, [entry for index, entry in enumerate(named) if index not in used]
