"""Inline suppressions: `# ivrc: ignore[rule-name] reason`, on the line or the line before."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivrc import ast
from ivrc.diagnostics import Diagnostic

_PATTERN = re.compile(r"#\s*ivrc:\s*ignore\[([^\]]*)\]")


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
                names.append((name, ast.Span(comment.span.line, column, comment.span.line, column + len(name), comment.span.start + start, comment.span.start + start + len(name))))
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


def apply(diagnostics: list[Diagnostic], flow: ast.Flow) -> list[Diagnostic]:
    """The findings no suppression covers."""
    covered: set[tuple[int, str]] = set()
    spans = _statements(flow)
    for suppression in suppressions(flow.comments):
        lines = _lines(suppression, spans)
        for name, _ in suppression.rules:
            covered.update((line, name) for line in lines)
    return [d for d in diagnostics if (d.line, d.rule) not in covered]
