"""What a change to a flow does to a call: `ivrc diff OLD NEW`, a git diff driver, and the
changes a deploy's plan shows since the last deploy.

Two flows are compared by meaning, not text: steps by name, a step that was removed while a
step with the same content was added is a rename, prompts word by word, each key's route,
every setting, and the steps a call can no longer reach. A change of layout, comments or the
order of statements inside a block is no change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from ivrc.language import ast, printer
from ivrc.language.canonical import canonical
from ivrc.language.model import Model

KINDS = (
    "region",
    "request",
    "setting",
    "step-added",
    "step-removed",
    "step-renamed",
    "step-order",
    "prompt",
    "route-added",
    "route-removed",
    "route",
    "unreachable",
)


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    where: str  # `dialer`, `step menu`, `step menu: on 2`
    old: str | None = None
    new: str | None = None
    words: tuple[tuple[str, str], ...] = ()  # a prompt's words: ("=", w), ("-", w), ("+", w)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "where": self.where, "old": self.old, "new": self.new}
        if self.words:
            out["words"] = [{"op": op, "text": text} for op, text in self.words]
        return out


@dataclass
class FlowDiff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)


def _settings(statements: tuple[Any, ...]) -> dict[str, str]:
    """A block's one-line statements (settings, `keys`, `invalid`), by what they set."""
    found: dict[str, str] = {}
    for statement in statements:
        if isinstance(statement, (ast.Setting, ast.Keys)):
            keyword, rest = printer.statement_head(statement)
            found[keyword] = rest
    return found


def _prompts(step: ast.Step | ast.Request) -> dict[str, str]:
    found: dict[str, str] = {}
    for statement in step.body:
        if isinstance(statement, ast.Say):
            found["say"] = printer.prompt(statement.prompt)
        elif isinstance(statement, ast.Invalid):
            found["invalid say"] = printer.prompt(statement.prompt)
    return found


def _routes(step: ast.Step, renamed: dict[str, str] | None = None) -> dict[str, str]:
    """Each key a step takes, and what it does then, in words a reader knows from the file;
    a goto to a renamed step is written with the new name, so that it is no change."""

    def action(value: ast.Action) -> str:
        if renamed and isinstance(value, ast.Goto) and value.target.text in renamed:
            return f"goto {printer.name(renamed[value.target.text])}"
        return printer.action(value)

    return {printer.key(h.key): "; ".join(action(a) for a in h.actions) or "nothing" for h in step.handlers}


def _content(step: ast.Step) -> Any:
    """A step's meaning without its name: equal for a renamed step that was not changed."""
    return printer.shape(tuple(canonical(list(step.body), "step")))


def _words(old: str, new: str) -> tuple[tuple[str, str], ...]:
    before, after = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(("=", w) for w in before[i1:i2])
        else:
            out.extend(("-", w) for w in before[i1:i2])
            out.extend(("+", w) for w in after[j1:j2])
    return tuple(out)


def _block(old: dict[str, str], new: dict[str, str], where: str, kind: str) -> list[Change]:
    changes = []
    for name in list(old) + [n for n in new if n not in old]:
        before, after = old.get(name), new.get(name)
        if before != after:
            changes.append(Change(kind, f"{where}: {name}", before, after))
    return changes


def _request_label(request: ast.Request | None) -> str:
    if request is None:
        return "(no dialer)"
    return request.kind + (f" {printer.text(request.unique_id.value)}" if request.unique_id is not None else "")


def compare(old: Model | None, new: Model | None, old_name: str = "old", new_name: str = "new") -> FlowDiff:
    """The changes from `old` to `new` (None: a flow that does not exist, as git's /dev/null)."""
    diff = FlowDiff(old_name, new_name)
    changes = diff.changes
    old_region = old.flow.regions[0].code.text if old is not None and old.flow.regions else None
    new_region = new.flow.regions[0].code.text if new is not None and new.flow.regions else None
    if old_region != new_region:
        changes.append(Change("region", "region", old_region, new_region))
    old_request = old.request if old is not None else None
    new_request = new.request if new is not None else None
    if _request_label(old_request) != _request_label(new_request):
        changes.append(Change("request", "request", _request_label(old_request), _request_label(new_request)))
    where = (
        new_request.kind if new_request is not None else (old_request.kind if old_request is not None else "request")
    )
    changes += _block(
        _settings(old_request.body) if old_request else {},
        _settings(new_request.body) if new_request else {},
        where,
        "setting",
    )
    changes += _prompt_changes(old_request, new_request, where)
    old_steps = dict(old.by_name) if old is not None else {}
    new_steps = dict(new.by_name) if new is not None else {}
    removed = [n for n in old_steps if n not in new_steps]
    added = [n for n in new_steps if n not in old_steps]
    renamed: dict[str, str] = {}
    for name in removed:
        twin = next(
            (a for a in added if a not in renamed.values() and _content(new_steps[a]) == _content(old_steps[name])),
            None,
        )
        if twin is not None:
            renamed[name] = twin
    for name in removed:
        if name in renamed:
            changes.append(Change("step-renamed", f"step {name}", name, renamed[name]))
        else:
            changes.append(Change("step-removed", f"step {name}", name, None))
    for name in added:
        if name not in renamed.values():
            changes.append(Change("step-added", f"step {name}", None, name))
    pairs = [(n, n) for n in old_steps if n in new_steps] + list(renamed.items())
    for before, after in pairs:
        changes += _step_changes(old_steps[before], new_steps[after], f"step {after}", renamed)
    sequential = new is not None and not new.dependency and new_request is not None and new_request.kind == "dialer"
    if sequential and old is not None:
        order_old = [renamed.get(n, n) for n in old_steps if renamed.get(n, n) in new_steps]
        order_new = [n for n in new_steps if n in order_old]
        if order_old != order_new:
            changes.append(Change("step-order", "steps", ", ".join(order_old), ", ".join(order_new)))
    if new is not None and new.dependency:
        reachable_before = {
            renamed.get(n, n) for n in (old.reachable if old is not None and old.dependency else old_steps)
        }
        for name in new_steps:
            if name not in new.reachable and (name in reachable_before or name in added):
                changes.append(Change("unreachable", f"step {name}", None, "no call reaches it"))
    return diff


def _prompt_changes(old: ast.Step | ast.Request | None, new: ast.Step | ast.Request | None, where: str) -> list[Change]:
    before = _prompts(old) if old is not None else {}
    after = _prompts(new) if new is not None else {}
    changes = []
    for name in list(before) + [n for n in after if n not in before]:
        old_text, new_text = before.get(name), after.get(name)
        if old_text != new_text:
            words = _words(old_text, new_text) if old_text is not None and new_text is not None else ()
            changes.append(Change("prompt", f"{where}: {name}", old_text, new_text, words))
    return changes


def _step_changes(old: ast.Step, new: ast.Step, where: str, renamed: dict[str, str]) -> list[Change]:
    changes = _block(_settings(old.body), _settings(new.body), where, "setting")
    changes += _prompt_changes(old, new, where)
    before, followed, after = _routes(old), _routes(old, renamed), _routes(new)
    for key in list(before) + [k for k in after if k not in before]:
        old_route, new_route = before.get(key), after.get(key)
        if followed.get(key) == new_route:
            continue
        kind = (
            "route"
            if old_route is not None and new_route is not None
            else ("route-added" if old_route is None else "route-removed")
        )
        changes.append(Change(kind, f"{where}: on {key}", old_route, new_route))
    return changes


# ---- output -------------------------------------------------------------------------------


def _shown_words(change: Change, removed: tuple[str, str], added: tuple[str, str]) -> str:
    out = []
    for op, word in change.words:
        if op == "=":
            out.append(word)
        else:
            opening, closing = removed if op == "-" else added
            out.append(f"{opening}{word}{closing}")
    return " ".join(out)


def _line(change: Change, style: str) -> str:
    code = (lambda s: f"`{s}`") if style == "markdown" else (lambda s: s)
    if change.kind == "step-added":
        return f"{code(change.where)}: added"
    if change.kind == "step-removed":
        return f"{code(change.where)}: removed"
    if change.kind == "step-renamed":
        return f"{code('step ' + str(change.old))}: renamed to {code(str(change.new))}, otherwise unchanged"
    if change.kind == "unreachable":
        return f"{code(change.where)}: no call reaches it now"
    if change.kind == "prompt" and change.words:
        marks = (("~~", "~~"), ("**", "**")) if style == "markdown" else (("[-", "-]"), ("{+", "+}"))
        return f"{code(change.where)}: {_shown_words(change, *marks)}"
    if change.old is None:  # a flag (`numbers from queue`) has no value to show
        return f"{code(change.where)}: added" + (f" {code(str(change.new))}" if change.new else "")
    if change.new is None:
        return f"{code(change.where)}: removed" + (f" (was {code(change.old)})" if change.old else "")
    return f"{code(change.where)}: {code(change.old)} → {code(change.new)}"


def text(diff: FlowDiff) -> str:
    if not diff.changes:
        return f"{diff.old} → {diff.new}: no change for a caller\n"
    count = len(diff.changes)
    lines = [f"{diff.old} → {diff.new}: {count} change{'s' if count != 1 else ''} for a caller"]
    lines += [f"  {_line(change, 'text')}" for change in diff.changes]
    return "\n".join(lines) + "\n"


def markdown(diff: FlowDiff) -> str:
    lines = [f"### `{diff.new}`", ""]
    if not diff.changes:
        return "\n".join([*lines, "No change for a caller.", ""])
    count = len(diff.changes)
    lines.append(f"{count} change{'s' if count != 1 else ''} for a caller (from `{diff.old}`):")
    lines.append("")
    lines += [f"- {_line(change, 'markdown')}" for change in diff.changes]
    return "\n".join(lines) + "\n"


def as_json(diff: FlowDiff) -> dict[str, Any]:
    return {"old": diff.old, "new": diff.new, "changes": [c.as_json() for c in diff.changes]}
