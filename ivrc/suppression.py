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

    @property
    def lines(self) -> tuple[int, int]:
        line = self.comment.span.line
        return line, line + 1


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


def apply(diagnostics: list[Diagnostic], comments: tuple[ast.Comment, ...]) -> list[Diagnostic]:
    """The findings no suppression covers."""
    covered: set[tuple[int, str]] = set()
    for suppression in suppressions(comments):
        for name, _ in suppression.rules:
            covered.update((line, name) for line in suppression.lines)
    return [d for d in diagnostics if (d.line, d.rule) not in covered]
