"""AST to request JSON: fields in the API tables' order, so the same flow gives the same bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ivrc.language import ast
from ivrc.language.model import Model, offered_specs, timestamp
from ivrc.language.model import offered as model_offered

JsonPath = tuple[str | int, ...]

# Field order of each table of the API document.
DIALER_FIELDS = (
    "schedule_type", "schedule", "unique_id", "return_address", "max_retries", "ivr",
    "ring_timeout", "retry_wait_time", "numbers_from_queue", "number", "cli", "dtmf_originator",
)  # fmt: skip
SIMPLE_DIALER_FIELDS = (
    "unique_id", "dial_at", "from_campaign", "leg_a", "cid_a", "dtmf_a", "tts", "sound", "gender",
    "answer_delay", "ring_timeout", "max_retries", "retry_wait_time", "leg_b", "cid_b", "dtmf_b",
)  # fmt: skip


class Slot(str):
    """Where each recipient's own value goes in a template's request (`recipient.name`). As a
    string it is a stand-in of the form the value will have, a phone number's or a text's, so
    the template can be validated against the schema once for every recipient."""

    field: str
    phone: bool

    def __new__(cls, field: str, phone: bool) -> Slot:
        slot = super().__new__(cls, "972500000000" if phone else field)
        slot.field = field
        slot.phone = phone
        return slot


@dataclass
class Emitted:
    """The request, and where in the source each part of it came from."""

    request: dict[str, Any]
    spans: dict[JsonPath, ast.Span] = field(default_factory=dict)


def dumps(request: dict[str, Any]) -> str:
    """The one JSON layout ivrc writes: UTF-8 text as is, 2-space indent, final newline."""
    from ivrc.language.pretty_json import dumps as indented

    return indented(request) + "\n"


def emit(model: Model, spans: bool = True) -> Emitted:
    """Call only on a model whose checks found no errors. Without `spans`, where each field
    came from is not kept (a big flow's hundred thousand paths): for a request that is valid."""
    assert model.request is not None
    return _Emitter(model, spans).request(model.request)


def seconds(duration: ast.Duration) -> int | float:
    value = duration.seconds
    return int(value) if value == int(value) else float(value)


class _Unkept(dict[JsonPath, ast.Span]):
    """Spans given and not kept."""

    def __setitem__(self, path: JsonPath, span: ast.Span) -> None:
        pass


class _Emitter:
    def __init__(self, model: Model, spans: bool = True) -> None:
        self.model = model
        self.digits = {use.text: use.reading.digits for use in model.phones}
        self.spans: dict[JsonPath, ast.Span] = {} if spans else _Unkept()

    def request(self, request: ast.Request) -> Emitted:
        fields: dict[str, Any] = {}
        if request.unique_id is not None:
            self._put(fields, (), "unique_id", request.unique_id.value, request.unique_id.span)
        for statement in request.body:
            if isinstance(statement, ast.Setting):
                self._setting(fields, statement)
            elif isinstance(statement, ast.Say):
                self._sound(fields, statement)
        order: tuple[str, ...]
        if request.kind == "dialer":
            fields["ivr"] = self._ivr()
            order = DIALER_FIELDS
        else:
            fields.setdefault("from_campaign", "false")
            order = SIMPLE_DIALER_FIELDS
        self.spans[()] = request.span
        return Emitted({name: fields[name] for name in order if name in fields}, self.spans)

    def _put(self, target: dict[str, Any], path: JsonPath, name: str, value: Any, span: ast.Span) -> None:
        target[name] = value
        self.spans[path + (name,)] = span

    def _phone(self, text: ast.Text | ast.Field) -> str:
        # An empty caller id means a hidden one; anything else was read by the model.
        if isinstance(text, ast.Field):
            return Slot(text.name, phone=True)
        return self.digits.get(text) or text.value

    def _setting(self, fields: dict[str, Any], setting: ast.Setting) -> None:
        value = setting.value
        name = setting.field
        if isinstance(value, ast.Flag):
            self._put(fields, (), name, "true", setting.span)
        elif isinstance(value, ast.Leg):
            suffix = name[-1]
            self._put(fields, (), name, self._phone(value.number), value.number.span)
            if value.cli is not None:
                self._put(fields, (), f"cid_{suffix}", self._phone(value.cli), value.cli.span)
            if value.dtmf is not None:
                self._put(fields, (), f"dtmf_{suffix}", value.dtmf.value, value.dtmf.span)
        elif isinstance(value, ast.Schedule):
            if isinstance(value.value, ast.Time):
                self._put(fields, (), "schedule_type", "timestamp", setting.span)
                self._put(fields, (), "schedule", timestamp(value.value), value.value.span)
            else:
                self._put(fields, (), "schedule", seconds(value.value), value.value.span)
        elif isinstance(value, ast.Time):
            self._put(fields, (), name, timestamp(value), value.span)
        elif isinstance(value, (ast.Text, ast.Field)):
            text = self._phone(value) if name in ("number", "cli") else value.value  # type: ignore[union-attr]
            self._put(fields, (), name, text, value.span)
        elif isinstance(value, ast.Integer):
            self._put(fields, (), name, value.value, value.span)
        elif isinstance(value, ast.Duration):
            self._put(fields, (), name, seconds(value), value.span)
        elif isinstance(value, ast.Name):
            self._put(fields, (), name, value.text, value.span)

    def _sound(self, fields: dict[str, Any], say: ast.Say) -> None:
        prompt = say.prompt
        if isinstance(prompt, ast.FilePrompt):
            self._put(fields, (), "tts", "false", say.span)
            self._put(fields, (), "sound", prompt.file.value, prompt.file.span)
        else:
            self._put(fields, (), "tts", "true", say.span)
            self._put(fields, (), "sound", prompt.texts[0].value, prompt.texts[0].span)

    def _ivr(self) -> dict[str, Any]:
        steps = [self._step(("ivr", "steps", i), step) for i, step in enumerate(self.model.steps)]
        # api-notes 5-6: both are derived, never written by hand.
        return {
            "count_steps": len(steps),
            "have_dependency": "true" if self.model.dependency else "false",
            "steps": steps,
        }

    def _step(self, path: JsonPath, step: ast.Step) -> dict[str, Any]:
        self.spans[path] = step.span
        out: dict[str, Any] = {}
        self._put(out, path, "step_id", step.name.text, step.name.span)
        for setting in step.settings("gender"):
            self._put(out, path, "gender", setting.value.text, setting.value.span)  # type: ignore[union-attr]
        for say in step.statements(ast.Say):
            if isinstance(say.prompt, ast.FilePrompt):
                self._put(out, path, "prompt_is_file", "true", say.span)
            self._put(out, path, "prompt", self._prompt(say.prompt), say.span)
        offered = model_offered(offered_specs(step))
        if offered:
            # api-notes 7: one entry is a string, several an array.
            self._put(out, path, "dtmf_ivr", offered[0] if len(offered) == 1 else offered, step.span)
        for setting in step.settings("dtmf_ivr_timeout"):
            self._put(out, path, "dtmf_ivr_timeout", seconds(setting.value), setting.value.span)  # type: ignore[arg-type]
        for invalid in step.statements(ast.Invalid):
            if isinstance(invalid.prompt, ast.FilePrompt):
                self._put(out, path, "dtmf_invalid_text_is_file", "true", invalid.span)
                self._put(out, path, "dtmf_ivr_invalid_text", invalid.prompt.file.value, invalid.span)
            else:
                self._put(out, path, "dtmf_ivr_invalid_text", invalid.prompt.texts[0].value, invalid.span)
        for setting in step.settings("dtmf_ivr_retries"):
            self._put(out, path, "dtmf_ivr_retries", setting.value.value, setting.value.span)  # type: ignore[union-attr]
        if step.handlers:
            actions_path = (*path, "actions")
            out["actions"] = [self._handler((*actions_path, i), h) for i, h in enumerate(step.handlers)]
        return out

    def _prompt(self, prompt: ast.Prompt) -> Any:
        if isinstance(prompt, ast.FilePrompt):
            return prompt.file.value
        if prompt.with_bindings:
            values = {
                b.name.text: Slot(b.value.name, phone=False) if isinstance(b.value, ast.Field) else b.value.value
                for b in prompt.bindings
            }
            # api-notes 11: `fields` counts the placeholder values.
            return {"text": prompt.texts[0].value, "fields": len(values), **values}
        texts = [t.value for t in prompt.texts]
        return texts[0] if len(texts) == 1 else texts

    def _handler(self, path: JsonPath, handler: ast.Handler) -> dict[str, Any]:
        self.spans[path] = handler.span
        key = handler.key
        key_json: Any = key.text if isinstance(key, ast.Key) else {"min": key.low.text, "max": key.high.text}
        self.spans[path + ("key",)] = key.span
        actions = []
        for i, action in enumerate(handler.actions):
            self.spans[path + ("actions", i)] = action.span
            actions.append(self._action(action))
        return {"key": key_json, "actions": actions}

    def _action(self, action: ast.Action) -> dict[str, Any]:
        if isinstance(action, ast.Hangup):
            return {"action": "hangup"}
        if isinstance(action, ast.Play):
            if isinstance(action.prompt, ast.FilePrompt):
                return {"action": "play", "params": {"text": action.prompt.file.value, "is_recording": "true"}}
            params: dict[str, Any] = {"text": action.prompt.texts[0].value}
            if action.voice is not None:
                params["gender"] = action.voice.text
            return {"action": "play", "params": params}
        if isinstance(action, ast.Wait):
            return {"action": "wait", "params": {"sleep": seconds(action.duration)}}
        if isinstance(action, ast.Goto):
            return {"action": "goto", "params": {"step_id": action.target.text}}
        if isinstance(action, ast.Call):
            call = {"number": self._phone(action.number), "cli": self._phone(action.cli)}
            if action.dtmf is not None:
                call["dtmf_keys"] = action.dtmf.value
            return {"action": "call", "params": call}
        mark: dict[str, Any] = {"type": action.kind}
        if action.value is not None:
            mark["value"] = action.value.value
        return {"action": "mark", "params": mark}
