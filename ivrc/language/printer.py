"""AST to .ivr text in the one canonical layout, keeping every comment: `ivrc fmt` and `ivrc decompile`."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ivrc.language import ast
from ivrc.language.canonical import block_of, rank

INDENT = "    "
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BARE_KEY = re.compile(r"[0-9*]+")
# Words that start a statement cannot be bare names (grammar/ivr.lark).
RESERVED = frozenset(
    [
        "region",
        "dialer",
        "simple_dialer",
        "step",
        "return_address",
        "number",
        "numbers",
        "cli",
        "dtmf",
        "max_retries",
        "ring_timeout",
        "retry_wait_time",
        "schedule",
        "leg_a",
        "leg_b",
        "answer_delay",
        "dial_at",
        "voice",
        "say",
        "keys",
        "timeout",
        "retries",
        "invalid",
        "on",
        "play",
        "wait",
        "goto",
        "call",
        "mark",
        "hangup",
    ]
)
# API field -> the keyword that writes it.
KEYWORDS = {
    "dtmf_originator": "dtmf",
    "gender": "voice",
    "dtmf_ivr_timeout": "timeout",
    "dtmf_ivr_retries": "retries",
}


# ---- values -----------------------------------------------------------------------------


def text(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def value_text(value: ast.Text | ast.Field) -> str:
    """A quoted text, or a recipient field as written (`recipient.name`)."""
    return value.written if isinstance(value, ast.Field) else text(value.value)


def name(value: str) -> str:
    return value if _NAME.fullmatch(value) and value not in RESERVED else text(value)


def key(spec: ast.KeySpec) -> str:
    if isinstance(spec, ast.KeyRange):
        return f"{spec.low.text}..{spec.high.text}"
    return spec.text if _BARE_KEY.fullmatch(spec.text) else text(spec.text)


def duration_text(seconds: Decimal) -> str:
    """The shortest exact spelling: `1h`, `5m`, `15s`, `0.5s`."""
    seconds = seconds.normalize()
    if seconds == int(seconds):
        whole = int(seconds)
        for size, unit in ((3600, "h"), (60, "m")):
            if whole >= size and whole % size == 0:
                return f"{whole // size}{unit}"
        return f"{whole}s"
    return f"{seconds:f}s"


def time_text(time: ast.Time) -> str:
    if time.epoch is None:
        return time.text
    return datetime.fromtimestamp(time.epoch, timezone.utc).isoformat().replace("+00:00", "Z")


def prompt(value: ast.Prompt) -> str:
    if isinstance(value, ast.FilePrompt):
        return f"file {text(value.file.value)}"
    written = ", ".join(text(t.value) for t in value.texts)
    if value.with_bindings:
        written += " with " + ", ".join(
            f"{name(b.name.text) if not b.name.text.isdigit() else b.name.text} = {value_text(b.value)}"
            for b in value.bindings
        )
    return written


def action(value: ast.Action) -> str:
    if isinstance(value, ast.Play):
        voice = f" voice {value.voice.text}" if value.voice is not None else ""
        return f"play {prompt(value.prompt)}{voice}"
    if isinstance(value, ast.Wait):
        return f"wait {value.duration.text}"
    if isinstance(value, ast.Goto):
        return f"goto {name(value.target.text)}"
    if isinstance(value, ast.Call):
        dtmf = f" dtmf {text(value.dtmf.value)}" if value.dtmf is not None else ""
        return f"call {value_text(value.number)} cli {text(value.cli.value)}{dtmf}"
    if isinstance(value, ast.Mark):
        return (
            "mark remove" if value.kind == "remove" else f"mark custom {text(value.value.value if value.value else '')}"
        )
    return "hangup"


def setting_value(setting: ast.Setting) -> str:
    value = setting.value
    if isinstance(value, (ast.Text, ast.Field)):
        return value_text(value)
    if isinstance(value, ast.Integer):
        return str(value.value)
    if isinstance(value, ast.Duration):
        return value.text
    if isinstance(value, ast.Name):
        return value.text
    if isinstance(value, ast.Time):
        return time_text(value)
    if isinstance(value, ast.Schedule):
        inner = value.value
        return f"{value.kind} {inner.text if isinstance(inner, ast.Duration) else time_text(inner)}"
    if isinstance(value, ast.Leg):
        out = text(value.number.value)
        if value.cli is not None:
            out += f" cli {text(value.cli.value)}"
        if value.dtmf is not None:
            out += f" dtmf {text(value.dtmf.value)}"
        return out
    return ""


def statement_head(statement: ast.StepStatement | ast.RequestStatement) -> tuple[str, str]:
    """A one-line statement as (keyword, the rest), so a block can align what follows keywords."""
    if isinstance(statement, ast.Setting):
        if isinstance(statement.value, ast.Flag):
            return ("numbers from queue" if statement.field == "numbers_from_queue" else "numbers from campaign"), ""
        return KEYWORDS.get(statement.field, statement.field), setting_value(statement)
    if isinstance(statement, ast.Say):
        return "say", prompt(statement.prompt)
    if isinstance(statement, ast.Invalid):
        return "invalid", f"say {prompt(statement.prompt)}"
    if isinstance(statement, ast.Keys):
        return "keys", ", ".join(key(e) for e in statement.entries) or "none"
    raise TypeError(statement)


# ---- layout with comments -----------------------------------------------------------------

Node = ast.Item | ast.StepStatement | ast.RequestStatement | ast.Action


@dataclass
class _Entry:
    """One line-level thing in a block: a node or an own-line comment."""

    node: Node | None
    comment: ast.Comment | None
    first_line: int
    last_line: int
    trailing: ast.Comment | None = None
    inner: list[ast.Comment] | None = None  # comments inside the node's span
    gap: bool = False  # a blank line before it in the source
    after: int = -1  # the index, in source order, of what stood before it
    index: int = -1


class Printer:
    def __init__(self, source: str | None = None, align: bool = True) -> None:
        self.lines = source.split("\n") if source is not None else []
        self.align = align
        self.out: list[str] = []

    def own_line(self, comment: ast.Comment) -> bool:
        if not self.lines:
            return True
        line = self.lines[comment.span.line - 1]
        return line[: comment.span.column - 1].strip() == ""

    def flow(self, flow: ast.Flow) -> str:
        entries = self._entries(list(flow.items), list(flow.comments))
        previous: _Entry | None = None
        for entry in entries:
            if previous is not None:
                kept_gap = entry.gap and entry.after == previous.index
                if previous.node is not None or kept_gap:
                    self.out.append("")
            self._entry(entry, 0)
            previous = entry
        return "\n".join(self.out).rstrip("\n") + "\n" if self.out else ""

    def _entries(self, nodes: list[Any], comments: list[ast.Comment], block: str = "top") -> list[_Entry]:
        """Nodes in the canonical order, each after the own-line comments written above it;
        each other comment goes to the node whose span holds it, or trails the node that
        ends on its line. Comments after the last node stay last."""
        entries = [_Entry(n, None, n.span.line, n.span.end_line, inner=[]) for n in nodes]
        loose: list[_Entry] = []
        for comment in comments:
            holder = next((e for e in entries if e.node.span.start <= comment.span.start < e.node.span.end), None)  # type: ignore[union-attr]
            if holder is not None:
                holder.inner.append(comment)  # type: ignore[union-attr]
                continue
            before = next((e for e in reversed(entries) if e.node.span.end <= comment.span.start), None)  # type: ignore[union-attr]
            if (
                before is not None
                and before.last_line == comment.span.line
                and before.trailing is None
                and not self.own_line(comment)
            ):
                before.trailing = comment
                continue
            loose.append(_Entry(None, comment, comment.span.line, comment.span.line))
        in_source = sorted(entries + loose, key=lambda e: (e.first_line, 0 if e.comment is not None else 1))
        for index, entry in enumerate(in_source):
            entry.index = index
            entry.after = index - 1
            entry.gap = bool(self.lines) and index > 0 and entry.first_line - in_source[index - 1].last_line > 1
        # Each node with the comments just above it, moved together into the canonical order.
        groups: list[tuple[Any, list[_Entry]]] = []
        pending: list[_Entry] = []
        for entry in in_source:
            pending.append(entry)
            if entry.node is not None:
                groups.append((entry.node, pending))
                pending = []
        ordered = [entry for _, group in sorted(groups, key=lambda g: rank(g[0], block)) for entry in group]
        return ordered + pending

    def _emit(self, depth: int, line: str, trailing: ast.Comment | None = None) -> None:
        suffix = f"  {trailing.text.rstrip()}" if trailing is not None else ""
        self.out.append(f"{INDENT * depth}{line}{suffix}")

    def _entry(self, entry: _Entry, depth: int, width: int = 0) -> None:
        if entry.comment is not None:
            self._emit(depth, entry.comment.text.rstrip())
            return
        node = entry.node
        inner = entry.inner or []
        if isinstance(node, (ast.Step, ast.Request)) or (
            isinstance(node, ast.Handler) and (len(node.actions) > 1 or inner)
        ):
            self._block(node, inner, entry.trailing, depth)
            return
        for comment in inner:  # a comment inside a one-line statement moves above it
            self._emit(depth, comment.text.rstrip())
        self._emit(depth, self._line(node, width), entry.trailing)  # type: ignore[arg-type]

    def _line(self, node: Node, width: int) -> str:
        if isinstance(node, ast.Region):
            return f"region {node.code.text}"
        if isinstance(node, ast.Handler):
            if not node.actions:
                return f"on {key(node.key)} {{}}"
            return f"on {key(node.key)} -> {action(node.actions[0])}"
        if isinstance(node, (ast.Play, ast.Wait, ast.Goto, ast.Call, ast.Mark, ast.Hangup)):
            return action(node)
        keyword, rest = statement_head(node)  # type: ignore[arg-type]
        if not rest:
            return keyword
        return f"{keyword.ljust(width)} {rest}" if width else f"{keyword} {rest}"

    def _block(
        self,
        node: ast.Step | ast.Request | ast.Handler,
        comments: list[ast.Comment],
        trailing: ast.Comment | None,
        depth: int,
    ) -> None:
        children: list[Any]
        if isinstance(node, ast.Step):
            header, children = f"step {name(node.name.text)}", list(node.body)
        elif isinstance(node, ast.Request):
            unique_id = f" {text(node.unique_id.value)}" if node.unique_id is not None else ""
            header, children = f"{node.kind}{unique_id}", list(node.body)
        else:
            header, children = f"on {key(node.key)}", list(node.actions)
        first_line = node.span.line
        # A comment after `{` on the header's line stays there; the rest go inside the block.
        opening = [
            c
            for c in comments
            if c.span.line == first_line and not any(ch.span.start <= c.span.start for ch in children)
        ][:1]
        inside = [c for c in comments if c not in opening]
        if not children and not inside:
            self._emit(depth, f"{header} {{}}", opening[0] if opening else trailing)
            if opening and trailing is not None:
                self._emit(depth, trailing.text.rstrip())
            return
        self._emit(depth, f"{header} {{", opening[0] if opening else None)
        entries = self._entries(children, inside, block_of(node))
        width = 0
        if self.align and isinstance(node, ast.Request):
            width = max((len(statement_head(c)[0]) for c in children if statement_head(c)[1]), default=0)
        previous: _Entry | None = None
        for entry in entries:
            if previous is not None and self._blank_between(previous, entry, entries):
                self.out.append("")
            self._entry(entry, depth + 1, width)
            previous = entry
        self._emit(depth, "}", trailing)

    def _blank_between(self, previous: _Entry, entry: _Entry, entries: list[_Entry]) -> bool:
        """One blank line sets a step's handlers apart from its prompt and settings, always;
        elsewhere a blank line of the source is kept (one at most) where the two things it
        separated are still next to each other."""
        if (
            previous.node is not None
            and not isinstance(previous.node, ast.Handler)
            and self._first_of_handlers(entry, entries)
        ):
            return True
        return entry.gap and entry.after == previous.index

    @staticmethod
    def _first_of_handlers(entry: _Entry, entries: list[_Entry]) -> bool:
        """Whether the entry opens the handlers: the first handler, or the comments above it."""
        position = entries.index(entry)
        for later in entries[position:]:
            if later.node is not None:
                return isinstance(later.node, ast.Handler) and not any(
                    isinstance(e.node, ast.Handler) for e in entries[:position]
                )
        return False


def format_flow(flow: ast.Flow, source: str | None = None) -> str:
    """The canonical text of a parsed flow, with each comment beside what it was beside."""
    return Printer(source).flow(flow)


def shape(node: Any) -> Any:
    """A node's meaning: the tree without spans and comments, for comparing two parses."""
    if is_dataclass(node):
        return (
            type(node).__name__,
            tuple(shape(getattr(node, f.name)) for f in fields(node) if f.name not in ("span", "comments")),
        )
    if isinstance(node, tuple):
        return tuple(shape(n) for n in node)
    return node
