"""no-exit-loop: steps that only goto each other, with no way for the call to end."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "no-exit-loop"
SEVERITY = Severity.WARNING
# It needs the whole file: after a syntax error, a dropped statement would mislead it.
WHOLE_FILE = True


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    In a flow with `goto`, finds groups of steps where every key leads by `goto` to
    another step of the group: no key hangs up, bridges a call or ends the flow.

    Why is this bad?
    A caller in such a loop can leave only by hanging up or by letting the retries run
    out. It is usually a menu whose "goodbye" key was forgotten, and it keeps the line
    (and the campaign's budget) busy.

    Example
    ```
    step menu {
        say "Press 1 for the news, 2 for the weather"
        on 1 -> goto news
        on 2 -> goto news
    }
    step news {
        say "Today's news. Press 1 for the menu"
        on 1 -> goto menu
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 for the news, 2 to end the call"
        on 1 -> goto news
        on 2 -> hangup
    }
    step news {
        say "Today's news. Press 1 for the menu"
        on 1 -> goto menu
    }
    ```
    """
    if not model.dependency:
        return  # without goto the steps run in order and the flow ends after the last
    edges = {name: _targets(step, model) for name, step in model.by_name.items()}
    for group in _components(edges):
        names = set(group)
        closed = all(edges[n] is not None and edges[n] <= names for n in group)  # type: ignore[operator]
        looping = len(group) > 1 or group[0] in (edges[group[0]] or set())
        if closed and looping:
            first = model.by_name[group[0]]
            listed = ", ".join(f"`{n}`" for n in group)
            what = (
                f"step {listed} only goes back to itself" if len(group) == 1 else f"steps {listed} only goto each other"
            )
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"{what}: no key hangs up, calls or ends the flow",
                first.name.span,
                "give one of the keys a `hangup`, or end a list without `goto`",
            )


def _targets(step: ast.Step, model: Model) -> set[str] | None:
    """The steps every key of this step leads to, or None when some key ends the call."""
    if not step.handlers:
        return None  # the flow ends after the prompt
    targets: set[str] = set()
    for handler in step.handlers:
        last = next((a for a in handler.actions if isinstance(a, ast.ENDING_ACTIONS)), None)
        if not isinstance(last, ast.Goto) or last.target.text not in model.by_name:
            return None
        targets.add(last.target.text)
    return targets


def _components(edges: dict[str, set[str] | None]) -> list[list[str]]:
    """Strongly connected groups of steps (Kosaraju, without recursion), each in source order."""
    order: list[str] = []
    seen: set[str] = set()
    for root in edges:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(sorted(edges[root] or ())))]
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c not in seen), None)
            if child is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(child)
                stack.append((child, iter(sorted(edges[child] or ()))))
    reverse: dict[str, list[str]] = {n: [] for n in edges}
    for node, targets in edges.items():
        for target in targets or ():
            reverse[target].append(node)
    position = {name: i for i, name in enumerate(edges)}
    groups: list[list[str]] = []
    assigned: set[str] = set()
    for root in reversed(order):
        if root in assigned:
            continue
        group, todo = [], [root]
        assigned.add(root)
        while todo:
            node = todo.pop()
            group.append(node)
            for source in reverse[node]:
                if source not in assigned:
                    assigned.add(source)
                    todo.append(source)
        groups.append(sorted(group, key=position.__getitem__))
    return sorted(groups, key=lambda g: position[g[0]])
