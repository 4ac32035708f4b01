"""Where something stands in a source text: a module of its own, so that what only reports
findings (a cached lint) does not load the syntax tree's classes."""

# No `from __future__ import annotations` here: a named tuple's fields written as strings are
# compiled one by one when the class is made, and a lint answered from the cache makes it.
from typing import NamedTuple


class Span(NamedTuple):
    """Where a node stands: 1-based line and column; the end column is exclusive. A named
    tuple, not a dataclass: every node has one, and a tuple is made in a third of the time."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    def cover(self, other: "Span") -> "Span":  # noqa: UP037
        return Span(self.line, self.column, other.end_line, other.end_column, self.start, other.end)
