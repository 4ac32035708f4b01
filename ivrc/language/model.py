"""What a parsed flow means: its request, steps, goto graph, phone numbers and times.

Built once per file and shared by the checks and the emitter."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ivrc.language import ast, phone
from ivrc.language.config import Config

MAX_RETRIES = 10000  # max_retries: "Minimum: 0 Maximum: 10000"
MAX_RANGE_ENTRIES = 10000  # each entry of a range is listed in dtmf_ivr
_PLACEHOLDER = re.compile(r"\$([A-Za-z0-9_]+)\$")


@dataclass(frozen=True, slots=True)
class PhoneUse:
    """A written phone number, the API field it fills, and what it reads as."""

    text: ast.Text
    field: str
    reading: phone.Reading


@dataclass(frozen=True, slots=True)
class FieldUse:
    """Where a flow takes a value from each recipient: the `number` to call, a `call`'s
    number, or a placeholder's value (`with name = recipient.name`), spoken by the step."""

    field: ast.Field
    role: str  # "number", "call number" or "placeholder"
    step: ast.Step | None = None


@dataclass(frozen=True)
class Model:
    flow: ast.Flow
    region: str | None
    request: ast.Request | None
    steps: tuple[ast.Step, ...]
    by_name: dict[str, ast.Step]
    phones: tuple[PhoneUse, ...]
    dependency: bool
    reachable: frozenset[str]
    config: Config = field(default_factory=Config)
    now: float = 0.0

    @property
    def kind(self) -> str | None:
        return self.request.kind if self.request else None

    @property
    def fields(self) -> list[FieldUse]:
        """Every recipient field the flow uses, in source order: a flow with any is a template."""
        return list(_field_uses(self.request, self.steps))

    @property
    def field_names(self) -> list[str]:
        return list(dict.fromkeys(use.field.name for use in self.fields))


def build(flow: ast.Flow, config: Config | None = None, now: float | None = None) -> Model:
    """The config's region is the default for a file with no valid `region` line of its own."""
    config = config or Config()
    region = config.region
    for written in flow.regions:
        if phone.supported_region(written.code.text):
            region = written.code.text.upper()
            break
    region = region.upper() if region else None
    steps = tuple(flow.steps)
    by_name: dict[str, ast.Step] = {}
    for step in steps:
        by_name.setdefault(step.name.text, step)
    requests = flow.requests
    request = requests[0] if requests else None
    readings: dict[str, phone.Reading] = {}  # a flow repeats its numbers (a clinic's, a desk's) in many steps
    phones = tuple(
        PhoneUse(
            text,
            name,
            readings.get(text.value)
            or readings.setdefault(text.value, phone.read(text.value, region, config.prefix_lengths)),
        )
        for text, name in _phone_texts(request, steps)
    )
    dependency = _dependency(request, steps)
    reachable = _reachable(steps, by_name)
    return Model(
        flow,
        region,
        request,
        steps,
        by_name,
        phones,
        dependency,
        reachable,
        config,
        time.time() if now is None else now,
    )


def _dependency(request: ast.Request | None, steps: tuple[ast.Step, ...]) -> bool:
    """have_dependency: as a JSON request declares it, else derived: true when any goto exists."""
    declared = request.declared_value("have_dependency") if request else None
    if declared is not None:
        return isinstance(declared.value, ast.Flag)
    return any(True for _ in gotos(steps))


def settings(model: Model) -> Iterator[ast.Setting]:
    """Every `keyword value` setting of the file's requests and steps."""
    for request in model.flow.requests:
        yield from request.statements(ast.Setting)
    for step in model.steps:
        yield from step.statements(ast.Setting)


def times(model: Model) -> Iterator[ast.Time]:
    """Every absolute time the file writes: `schedule at` and `dial_at`."""
    for setting in settings(model):
        value = setting.value
        time = value.value if isinstance(value, ast.Schedule) else value
        if isinstance(time, ast.Time):
            yield time


def actions(model: Model) -> Iterator[ast.Action]:
    for step in model.steps:
        for handler in step.handlers:
            yield from handler.actions


def waits(model: Model) -> Iterator[ast.Wait]:
    return (a for a in actions(model) if isinstance(a, ast.Wait))


def spoken(model: Model) -> Iterator[tuple[ast.SpokenPrompt, bool]]:
    """Every text to speech, and whether it is a prompt that can take placeholder values."""
    if model.request is not None:
        for say in model.request.statements(ast.Say):
            if isinstance(say.prompt, ast.SpokenPrompt):
                yield say.prompt, False
    for step in model.steps:
        for statement in step.body:
            if isinstance(statement, (ast.Say, ast.Invalid)) and isinstance(statement.prompt, ast.SpokenPrompt):
                yield statement.prompt, isinstance(statement, ast.Say) and len(statement.prompt.texts) == 1
            elif isinstance(statement, ast.Handler):
                for action in statement.actions:
                    if isinstance(action, ast.Play) and isinstance(action.prompt, ast.SpokenPrompt):
                        yield action.prompt, False


def recordings(model: Model) -> Iterator[ast.Text]:
    """Every file name that a prompt, play, invalid text or simple dialer sound names."""
    if model.request is not None:
        for say in model.request.statements(ast.Say):
            if isinstance(say.prompt, ast.FilePrompt):
                yield say.prompt.file
    for step in model.steps:
        for statement in step.body:
            if isinstance(statement, (ast.Say, ast.Invalid)) and isinstance(statement.prompt, ast.FilePrompt):
                yield statement.prompt.file
            elif isinstance(statement, ast.Handler):
                for action in statement.actions:
                    if isinstance(action, ast.Play) and isinstance(action.prompt, ast.FilePrompt):
                        yield action.prompt.file


def gotos(steps: tuple[ast.Step, ...] | list[ast.Step]) -> Iterator[tuple[ast.Step, ast.Goto]]:
    for step in steps:
        for handler in step.handlers:
            for action in handler.actions:
                if isinstance(action, ast.Goto):
                    yield step, action


def _reachable(steps: tuple[ast.Step, ...], by_name: dict[str, ast.Step]) -> frozenset[str]:
    """Steps the call can enter in dependency mode: the first, then along gotos (api-notes 5)."""
    if not steps:
        return frozenset()
    seen = {steps[0].name.text}
    todo = [steps[0]]
    while todo:
        for _, goto in gotos([todo.pop()]):
            target = by_name.get(goto.target.text)
            if target is not None and target.name.text not in seen:
                seen.add(target.name.text)
                todo.append(target)
    return frozenset(seen)


def _field_uses(request: ast.Request | None, steps: tuple[ast.Step, ...]) -> Iterator[FieldUse]:
    if request is not None:
        for setting in request.body:
            if isinstance(setting, ast.Setting) and isinstance(setting.value, ast.Field):
                yield FieldUse(setting.value, setting.field)
    for step in steps:
        for statement in step.body:
            if isinstance(statement, ast.Say) and isinstance(statement.prompt, ast.SpokenPrompt):
                for binding in statement.prompt.bindings:
                    if isinstance(binding.value, ast.Field):
                        yield FieldUse(binding.value, "placeholder", step)
            elif isinstance(statement, ast.Handler):
                for action in statement.actions:
                    if isinstance(action, ast.Call) and isinstance(action.number, ast.Field):
                        yield FieldUse(action.number, "call number", step)


def _phone_texts(request: ast.Request | None, steps: tuple[ast.Step, ...]) -> Iterator[tuple[ast.Text, str]]:
    if request is not None:
        for setting in request.body:
            if not isinstance(setting, ast.Setting):
                continue
            if setting.field in ("number", "cli") and isinstance(setting.value, ast.Text):
                if setting.field == "number" or setting.value.value:  # an empty caller id is a hidden one
                    yield setting.value, setting.field
            elif isinstance(setting.value, ast.Leg):
                leg = setting.value
                suffix = setting.field[-1]
                yield leg.number, setting.field
                if leg.cli is not None and leg.cli.value:
                    yield leg.cli, f"cid_{suffix}"
    for step in steps:
        for handler in step.handlers:
            for action in handler.actions:
                if isinstance(action, ast.Call):
                    if isinstance(action.number, ast.Text):
                        yield action.number, "call number"
                    if action.cli.value:
                        yield action.cli, "call cli"


def range_bounds(spec: ast.KeyRange) -> tuple[int, int, int] | None:
    """Low, high and zero-padded width of a well-formed range; None for one `invalid-range` flags."""
    low, high = spec.low.text, spec.high.text
    if not (ast.is_digits(low) and ast.is_digits(high)) or ast.whole(low) > ast.whole(high):
        return None
    if ast.whole(high) - ast.whole(low) >= MAX_RANGE_ENTRIES:
        return None
    return ast.whole(low), ast.whole(high), len(low) if len(low) == len(high) else 0


def entries(spec: ast.KeySpec) -> list[str]:
    """The dtmf_ivr entries a key or range stands for (api-notes 8): 10..12 is 10, 11, 12.
    Bounds written with the same number of digits keep that width (`00..09`)."""
    if isinstance(spec, ast.Key):
        return [spec.text]
    bounds = range_bounds(spec)
    if bounds is None:
        return []
    low, high, width = bounds
    return [str(n).zfill(width) for n in range(low, high + 1)]


def offered_specs(step: ast.Step) -> list[ast.KeySpec]:
    """What dtmf_ivr lists: the `keys` written, or else every handled key."""
    written = step.statements(ast.Keys)
    return list(written[0].entries) if written else [h.key for h in step.handlers]


def offered(specs: list[ast.KeySpec]) -> list[str]:
    """The dtmf_ivr entries of these keys and ranges, in order, each once (api-notes 8)."""
    seen: dict[str, None] = {}
    for spec in specs:
        seen.update(dict.fromkeys(entries(spec)))
    return list(seen)


def covers(spec: ast.KeySpec, entry: str) -> bool:
    """Whether pressing `entry` is handled by `spec`, without listing a range's entries."""
    if isinstance(spec, ast.Key):
        return spec.text == entry
    bounds = range_bounds(spec)
    return bounds is not None and within(bounds, entry)


def within(bounds: tuple[int, int, int], entry: str) -> bool:
    """Whether `entry` is one of the entries of a range of these `range_bounds`."""
    if not ast.is_digits(entry) or len(entry) > ast.MAX_DIGITS:
        return False
    low, high, width = bounds
    return low <= int(entry) <= high and entry == str(int(entry)).zfill(width)


# The Unix times of 0001-01-01T00:00Z and 9999-12-31T23:59:59Z: the dates that can be written.
FIRST_EPOCH, LAST_EPOCH = -62135596800, 253402300799


def timestamp(time: ast.Time) -> int:
    """A Unix timestamp; ValueError says what is wrong with the time as written."""
    if time.epoch is not None:
        if not FIRST_EPOCH <= time.epoch <= LAST_EPOCH:
            raise ValueError(
                f"`{time.epoch}` is a Unix time outside the years 1 to 9999, so no date can be written for it"
            )
        return time.epoch
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(time.text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"`{time.text}` is not a date and time of day") from None
    if moment.tzinfo is None:
        raise ValueError(f"`{time.text}` has no UTC offset, so it could mean any of 24 hours")
    epoch = int(moment.timestamp())
    if not FIRST_EPOCH <= epoch <= LAST_EPOCH:
        raise ValueError(f"`{time.text}` is outside the years 1 to 9999 in UTC, so the request could not be read back")
    return epoch


def placeholders(text: str) -> list[tuple[str, int, int]]:
    """`$name$` placeholders in a prompt text, with their start and end offsets (api-notes 11)."""
    return [(m.group(1), m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
