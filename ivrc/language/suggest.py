"""The closest known name to a word, for "did you mean …?", found in time that stays linear.

difflib compares a word with every name; a flow of thousands of steps with thousands of
dangling gotos would make that quadratic. Names are grouped by length, and only the groups
whose length can reach the cutoff are compared (difflib's own `real_quick_ratio` bound). Each
word is looked up once, and the comparisons of one run are bounded: past the budget, no more
suggestions are made, and the finding says what it can without one."""

from __future__ import annotations

BUDGET = 200_000  # name comparisons per run of a check: a few tenths of a second at most


class Suggester:
    def __init__(self, names: list[str], cutoff: float = 0.6, budget: int = BUDGET) -> None:
        self.cutoff = cutoff
        self.budget = budget
        self.by_length: dict[int, list[str]] = {}
        for name in names:
            self.by_length.setdefault(len(name), []).append(name)
        self.found: dict[str, str | None] = {}

    def close(self, word: str) -> str | None:
        """The closest name at or above the cutoff, or None (also once the budget is spent)."""
        if word in self.found:
            return self.found[word]
        size = len(word)
        candidates = [
            name
            for length, group in self.by_length.items()
            if 2 * min(size, length) >= self.cutoff * (size + length)
            for name in group
        ]
        if len(candidates) > self.budget:
            return None
        self.budget -= len(candidates)
        import difflib  # only when there is a word to suggest for

        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=self.cutoff)
        return self.found.setdefault(word, matches[0] if matches else None)
