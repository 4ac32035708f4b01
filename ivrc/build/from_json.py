"""Request JSON to AST: the second front end, so the same checks run on existing requests.

Values keep their line and column (`json_text`). The reading is tolerant where api-notes 2 and 3
say clients in the wild are: JSON `true`/`false` for the boolean strings, numeric strings for
numbers (`json_plain`)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from ivrc.build.emit import JsonPath
from ivrc.build.json_locate import Marked
from ivrc.build.json_plain import (
    BOOLEANS,
    EMPTY_IS_ABSENT,
    INTEGERS,
    NUMBERS,
    Plain,
    normalise,
    normalise_fast,
    number_of,
    plain_number,
)
from ivrc.build.json_text import MAX_DEPTH, NOWHERE, Fallback, JValue, parse_fast, parse_located, too_deep
from ivrc.build.kinds import DIALER_ONLY, SIMPLE_ONLY, request_kind
from ivrc.checks import missing_request
from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic
from ivrc.language.printer import duration_text

__all__ = [
    "BOOLEANS", "DIALER_ONLY", "EMPTY_IS_ABSENT", "INTEGERS", "MAX_DEPTH", "NUMBERS", "SIMPLE_ONLY", "JValue",
    "Plain", "child", "number_of", "plain_number", "read", "request_kind", "too_deep",
]  # fmt: skip


# ---- to the AST ------------------------------------------------------------------------


def read(
    text: str, exact: bool = True, shallow: bool = False, marked: bool = False
) -> tuple[ast.Flow | None, Plain | None, list[Diagnostic]]:
    """The AST of a JSON request, its normalised data, and what stopped or troubled the reading.

    Without `exact`, the text is read by `json.loads` and every span is NOWHERE (with `marked`,
    a mark of the value's path, which `json_locate.place` finds again): as fast as a linter can
    be, for the many requests that have nothing to report. Whoever gets a finding from that
    reading places it, or reads the text again with `exact` for the positions."""
    plain = Plain(None)
    if not exact:
        try:
            read_fast = parse_fast(text)
            problems: list[Diagnostic] = []
            plain = Marked(None) if marked else plain
            plain.spans[()] = NOWHERE  # every value's span, as `Plain.span` falls back to the root's
            plain.data = normalise_fast(read_fast, (), plain)
        except Fallback:
            plain = Plain(None)
            exact = True
    if exact:
        # The fast reading refuses what nests too deep (`normalise_fast`); `shallow`: a first
        # reading found it is not.
        deep = None if shallow else too_deep(text)
        if deep is not None:
            return None, None, [deep]
        root, problems = parse_located(text)
        if root is None:
            return None, None, problems
        plain.data = normalise(root, (), plain)
    data = plain.data
    kind = request_kind(data)
    if kind is None:
        message = (
            "this JSON is not a dialer or simple_dialer request"
            if isinstance(data, dict)
            else "a request is a JSON object"
        )
        help_text = "a dialer request has `ivr` and `return_address`; a simple dialer request has `leg_a` or `sound`"
        return (
            None,
            plain,
            [
                *plain.duplicates,
                Diagnostic(
                    missing_request.NAME, missing_request.SEVERITY, message, _opening(plain.span(())), help_text
                ),
            ],
        )
    builder = _Builder(plain)
    flow = builder.flow(kind)
    return flow, plain, plain.duplicates


def _opening(span: ast.Span) -> ast.Span:
    return ast.Span(span.line, span.column, span.line, span.column + 1, span.start, span.start + 1)


class _Builder:
    """Reads the normalised request into AST nodes; a value of the wrong type is skipped
    here, because the schema reports it."""

    def __init__(self, plain: Plain) -> None:
        self.plain = plain

    def flow(self, kind: str) -> ast.Flow:
        data = self.plain.data
        root = self.plain.span(())
        keyword = ast.Name(kind, _opening(root))
        unique_id = self._text(("unique_id",))
        body = self._dialer() if kind == "dialer" else self._simple()
        declared = self._declared() if kind == "dialer" else ()
        request = ast.Request(kind, keyword, unique_id, tuple(body), root, declared)  # type: ignore[arg-type]
        steps = self._steps() if kind == "dialer" and isinstance(data.get("ivr"), dict) else []
        return ast.Flow((request, *steps), root)

    # ---- values at a path
    def _get(self, path: JsonPath) -> Any:
        if not self.plain.duplicates:  # each path has one value: found at once
            return self.plain.values.get(path)
        value = self.plain.data
        for part in path:
            there, value = child(value, part)
            if not there:
                return None
        return value

    def _text(self, path: JsonPath) -> ast.Text | None:
        value = self._get(path)
        return ast.Text(value, self.plain.span(path)) if isinstance(value, str) else None

    def _name(self, path: JsonPath) -> ast.Name | None:
        value = self._get(path)
        return ast.Name(value, self.plain.span(path)) if isinstance(value, str) else None

    def _integer(self, path: JsonPath) -> ast.Integer | None:
        value = self._get(path)
        return (
            ast.Integer(value, self.plain.span(path))
            if isinstance(value, int) and not isinstance(value, bool)
            else None
        )

    def _duration(self, path: JsonPath) -> ast.Duration | None:
        value = self._get(path)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            return None  # the schema says what is wrong with it
        seconds = Decimal(str(value))
        return ast.Duration(seconds, duration_text(seconds), self.plain.span(path))

    def _setting(self, path: JsonPath, field_name: str, value: ast.Value | None) -> list[ast.Setting]:
        if value is None:
            return []
        keyword = ast.Name(str(path[-1]), self.plain.key(path))
        return [ast.Setting(field_name, keyword, value, keyword.span.cover(self.plain.span(path)))]

    def _flag(self, path: JsonPath) -> ast.Flag | None:
        return ast.Flag(self.plain.span(path)) if self._get(path) == "true" else None

    def _time(self, path: JsonPath) -> ast.Time | None:
        value = self._get(path)
        if isinstance(value, bool) or not isinstance(value, int) or value == 0:
            return None  # dial_at 0 means "as soon as the campaign starts"
        return ast.Time(str(value), self.plain.span(path), value)

    # ---- the request's own fields
    def _dialer(self) -> list[ast.RequestStatement]:
        # In the order a person writes them: where to report, whom to call, how, when.
        body: list[ast.RequestStatement] = []
        body += self._setting(("return_address",), "return_address", self._text(("return_address",)))
        body += self._setting(("numbers_from_queue",), "numbers_from_queue", self._flag(("numbers_from_queue",)))
        for name in ("number", "cli", "dtmf_originator"):
            value = self._text((name,))
            if value is not None:  # kept when empty: `cli ""` is a hidden caller id, written as such
                body += self._setting((name,), name, value)
        body += self._setting(("max_retries",), "max_retries", self._integer(("max_retries",)))
        for name in ("ring_timeout", "retry_wait_time"):
            body += self._setting((name,), name, self._duration((name,)))
        schedule = self._schedule()
        if schedule is not None:
            body += self._setting(("schedule",), "schedule", schedule)
        return body

    def _schedule(self) -> ast.Schedule | None:
        span = self.plain.span(("schedule",))
        if self._get(("schedule_type",)) == "timestamp":
            time = self._time(("schedule",))
            return ast.Schedule("at", time, span) if time else None
        duration = self._duration(("schedule",))
        return ast.Schedule("in", duration, span) if duration else None

    def _declared(self) -> tuple[ast.Setting, ...]:
        declared: list[ast.Setting] = []
        declared += self._setting(("ivr", "count_steps"), "count_steps", self._integer(("ivr", "count_steps")))
        dependency = self._get(("ivr", "have_dependency"))
        if dependency in ("true", "false"):
            path = ("ivr", "have_dependency")
            value: ast.Value = (
                ast.Flag(self.plain.span(path)) if dependency == "true" else ast.Name("false", self.plain.span(path))
            )
            declared += self._setting(path, "have_dependency", value)
        return tuple(declared)

    def _leg(self, leg: str) -> list[ast.Setting]:
        number = self._text((f"leg_{leg}",))
        if number is None:
            return []
        cli = self._text((f"cid_{leg}",))
        dtmf = self._text((f"dtmf_{leg}",))
        value = ast.Leg(number, cli, dtmf, number.span)  # an empty cid or dtmf is kept as written
        return self._setting((f"leg_{leg}",), f"leg_{leg}", value)

    def _simple(self) -> list[ast.RequestStatement]:
        # In the order of the call: whom to call, what they hear, whom to bridge to, then retries.
        body: list[ast.RequestStatement] = []
        body += self._leg("a")
        body += self._setting(("from_campaign",), "from_campaign", self._flag(("from_campaign",)))
        sound = self._text(("sound",))
        if sound is not None:
            prompt: ast.Prompt = (
                ast.FilePrompt(sound, sound.span)
                if self._get(("tts",)) == "false"
                else ast.SpokenPrompt((sound,), (), False, sound.span)
            )
            body.append(ast.Say(prompt, self.plain.key(("sound",)).cover(sound.span)))
        body += self._setting(("gender",), "gender", self._name(("gender",)))
        body += self._setting(("answer_delay",), "answer_delay", self._duration(("answer_delay",)))
        body += self._leg("b")
        body += self._setting(("ring_timeout",), "ring_timeout", self._duration(("ring_timeout",)))
        body += self._setting(("max_retries",), "max_retries", self._integer(("max_retries",)))
        body += self._setting(("retry_wait_time",), "retry_wait_time", self._duration(("retry_wait_time",)))
        body += self._setting(("dial_at",), "dial_at", self._time(("dial_at",)))
        return body

    # ---- steps
    def _steps(self) -> list[ast.Step]:
        steps = self._get(("ivr", "steps"))
        if not isinstance(steps, list):
            return []
        built = []
        for index, step in enumerate(steps):
            path = ("ivr", "steps", index)
            name = self._name((*path, "step_id"))
            if isinstance(step, dict) and name is not None:
                built.append(ast.Step(name, tuple(self._step_body(path)), self.plain.span(path)))
        return built

    def _step_body(self, path: JsonPath) -> list[ast.StepStatement]:
        body: list[ast.StepStatement] = []
        body += self._setting((*path, "gender"), "gender", self._name((*path, "gender")))
        prompt = self._prompt(path)
        if prompt is not None:
            body.append(ast.Say(prompt, self.plain.key((*path, "prompt")).cover(prompt.span)))
        keys = self._keys((*path, "dtmf_ivr"))
        if keys is None and self._get((*path, "actions")):
            # No dtmf_ivr: no key is offered, whatever the handlers say (`keys none`).
            keys = ast.Keys((), _opening(self.plain.span(path)))
        if keys is not None:
            body.append(keys)
        body += self._setting(
            (*path, "dtmf_ivr_timeout"), "dtmf_ivr_timeout", self._duration((*path, "dtmf_ivr_timeout"))
        )
        body += self._setting(
            (*path, "dtmf_ivr_retries"), "dtmf_ivr_retries", self._integer((*path, "dtmf_ivr_retries"))
        )
        invalid = self._text((*path, "dtmf_ivr_invalid_text"))
        if invalid is not None:
            is_file = self._get((*path, "dtmf_invalid_text_is_file")) == "true"
            message: ast.Prompt = (
                ast.FilePrompt(invalid, invalid.span)
                if is_file
                else ast.SpokenPrompt((invalid,), (), False, invalid.span)
            )
            body.append(ast.Invalid(message, self.plain.key((*path, "dtmf_ivr_invalid_text")).cover(invalid.span)))
        handlers = self._get((*path, "actions"))
        for index, _ in enumerate(handlers if isinstance(handlers, list) else []):
            handler = self._handler((*path, "actions", index))
            if handler is not None:
                body.append(handler)
        return body

    def _prompt(self, path: JsonPath) -> ast.Prompt | None:
        where = (*path, "prompt")
        value = self._get(where)
        span = self.plain.span(where) if value is not None else None
        if isinstance(value, str):
            text = ast.Text(value, span)  # type: ignore[arg-type]
            if self._get((*path, "prompt_is_file")) == "true":
                return ast.FilePrompt(text, span)  # type: ignore[arg-type]
            return ast.SpokenPrompt((text,), (), False, span)  # type: ignore[arg-type]
        if isinstance(value, list):
            texts = tuple(ast.Text(v, self.plain.span((*where, i))) for i, v in enumerate(value) if isinstance(v, str))
            return ast.SpokenPrompt(texts, (), False, span) if texts else None  # type: ignore[arg-type]
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            bindings = tuple(
                ast.Binding(
                    ast.Name(k, self.plain.key((*where, k))),
                    ast.Text(v, self.plain.span((*where, k))),
                    self.plain.key((*where, k)).cover(self.plain.span((*where, k))),
                )
                for k, v in value.items()
                if k not in ("text", "fields") and isinstance(v, str)
            )
            return ast.SpokenPrompt((ast.Text(value["text"], self.plain.span((*where, "text"))),), bindings, True, span)  # type: ignore[arg-type]
        return None

    def _keys(self, path: JsonPath) -> ast.Keys | None:
        value = self._get(path)
        if isinstance(value, str):
            return ast.Keys((ast.Key(value, self.plain.span(path)),), self.plain.key(path).cover(self.plain.span(path)))
        if isinstance(value, list):
            entries = tuple(ast.Key(v, self.plain.span((*path, i))) for i, v in enumerate(value) if isinstance(v, str))
            return ast.Keys(entries, self.plain.key(path).cover(self.plain.span(path)))
        return None

    def _key(self, path: JsonPath) -> ast.KeySpec | None:
        value = self._get(path)
        if isinstance(value, str):
            return ast.Key(value, self.plain.span(path))
        if isinstance(value, dict) and isinstance(value.get("min"), str) and isinstance(value.get("max"), str):
            low = ast.Key(value["min"], self.plain.span((*path, "min")))
            high = ast.Key(value["max"], self.plain.span((*path, "max")))
            return ast.KeyRange(low, high, self.plain.span(path))
        return None

    def _handler(self, path: JsonPath) -> ast.Handler | None:
        key = self._key((*path, "key"))
        if key is None:
            return None
        listed = self._get((*path, "actions"))
        actions = [self._action((*path, "actions", i)) for i in range(len(listed))] if isinstance(listed, list) else []
        return ast.Handler(key, tuple(a for a in actions if a is not None), self.plain.span(path))

    def _action(self, path: JsonPath) -> ast.Action | None:
        kind = self._get((*path, "action"))
        span = self.plain.span(path)
        params = (*path, "params")
        if kind == "hangup":
            return ast.Hangup(span)
        if kind == "goto":
            target = self._name((*params, "step_id"))
            return ast.Goto(target, span) if target else None
        if kind == "wait":
            duration = self._duration((*params, "sleep"))
            return ast.Wait(duration, span) if duration else None
        if kind == "play":
            text = self._text((*params, "text"))
            if text is None:
                return None
            if self._get((*params, "is_recording")) == "true":
                return ast.Play(ast.FilePrompt(text, text.span), None, span)
            return ast.Play(ast.SpokenPrompt((text,), (), False, text.span), self._name((*params, "gender")), span)
        if kind == "call":
            number = self._text((*params, "number"))
            if number is None:
                return None
            cli = self._text((*params, "cli")) or ast.Text("", span)
            return ast.Call(number, cli, self._text((*params, "dtmf_keys")), span)
        if kind == "mark":
            mark = self._get((*params, "type"))
            if mark in ("remove", "custom"):
                return ast.Mark(mark, self._text((*params, "value")), span)
        return None


def child(value: Any, part: str | int) -> tuple[bool, Any]:
    """Whether a JSON value has this key or index, and what is there."""
    if isinstance(value, dict) and isinstance(part, str) and part in value:
        return True, value[part]
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return True, value[part]
    return False, None
