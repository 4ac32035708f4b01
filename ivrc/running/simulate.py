"""The flow interpreter: walks a compiled request as the service does (api-notes 5-11, 19).

It works on request dicts, as `ivrc compile` emits them or as a client sends them, so the
simulator, the flow tests and the emulator all share one reading of the semantics."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object of a request, or an empty one in its place (the request may be malformed)."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """A JSON array of a request, or an empty one in its place."""
    return value if isinstance(value, list) else []


DEFAULT_RETRIES = 3  # max_retries: "Default, if non provided is 3"
DEFAULT_TIMEOUT = 3  # dtmf_ivr_timeout: "Default, if none provided will be 3 seconds"
ENDS = ("hangup", "call", "no-input", "end-of-flow", "limit")
# A call that has said this many prompts is stopped (end "limit"): a goto loop that a caller
# keeps pressing keys in, or a count of retries in the millions, must not run without end.
MAX_PROMPTS = 1000
_PLACEHOLDER = re.compile(r"\$([A-Za-z0-9_]+)\$")

# What the caller does when a step waits: an entry of keys ("1", "11"), or None for silence.
Caller = Callable[["Step"], "str | None"]


@dataclass(frozen=True)
class Step:
    """The step waiting for the caller: its id and the entries it accepts."""

    step_id: str
    prompt: str
    offered: tuple[str, ...]


@dataclass
class Call:
    """One simulated call: what happened, the step report, and how it ended."""

    events: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=lambda: {"steps": [], "invalid": []})
    end: str = "end-of-flow"
    seconds: int = 0
    prompts: int = 0

    def event(self, kind: str, **details: Any) -> None:
        self.events.append({"type": kind, "time": self.seconds, **details})

    def as_json(self) -> dict[str, Any]:
        return {"events": self.events, "report": self.report, "end": self.end}


def _true(value: Any) -> bool:
    """Booleans as the service reads them: "true", or JSON true (api-notes 2)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _number(value: Any, default: float) -> float:
    """Integer/String fields accept 15 and "15" (api-notes 3); anything else, or a value that
    is not finite, is the default. Values are held to what a call can take."""
    if isinstance(value, bool):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    if not math.isfinite(number):
        return default
    return max(min(number, 1e9), -1e9)


def spoken(prompt: Any) -> str:
    """A prompt as heard: texts joined, placeholders filled; one with no value is said as written (api-notes 11)."""
    if isinstance(prompt, list):
        return " ".join(spoken(p) for p in prompt)
    if isinstance(prompt, dict):
        values = {k: str(v) for k, v in prompt.items() if k not in ("text", "fields")}
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), str(prompt.get("text", "")))
    return "" if prompt is None else str(prompt)


def offered(step: dict[str, Any]) -> tuple[str, ...]:
    """dtmf_ivr as a tuple: one entry is a string, several an array (api-notes 7)."""
    value = step.get("dtmf_ivr")
    if value is None:
        return ()
    return (str(value),) if not isinstance(value, list) else tuple(str(v) for v in value)


def handles(key: Any, entry: str) -> bool:
    """Whether a handler's key takes an entry: the same keys, or inside an inclusive numeric range (api-notes 8)."""
    if isinstance(key, dict):
        low, high = str(key.get("min", "")), str(key.get("max", ""))
        if not all(text.isascii() and text.isdigit() and len(text) <= 15 for text in (low, high, entry)):
            return False
        width = len(low) if len(low) == len(high) else 0
        return int(low) <= int(entry) <= int(high) and entry == str(int(entry)).zfill(width)
    return str(key) == entry


def run(request: dict[str, Any], caller: Caller, call: Call | None = None) -> Call:
    """Simulate one call of a dialer or simple dialer request. A caller that wants to see the
    call so far (an interactive one) passes the Call it watches."""
    call = call or Call()
    call.report["unique_id"] = request.get("unique_id", "")
    if "ivr" in request:
        _dialer(request, caller, call)
    else:
        _simple(request, call)
    call.event("end", reason=call.end)
    return call


class Script:
    """A caller who presses these entries in turn (None: stays silent), then nothing more;
    `left` is what the call ended before using."""

    def __init__(self, entries: list[str | None]) -> None:
        self.entries = list(entries)
        self.used = 0

    def __call__(self, step: Step) -> str | None:
        if self.used >= len(self.entries):
            return None
        self.used += 1
        return self.entries[self.used - 1]

    @property
    def left(self) -> list[str | None]:
        return self.entries[self.used :]


def scripted(entries: list[str | None]) -> Script:
    return Script(entries)


DTMF_KEYS = frozenset("0123456789*#")


def parse_keys(text: str) -> list[str | None]:
    """`--keys "1,11,timeout"`: comma-separated entries of the keys 0-9, * and #; `timeout`
    (or nothing) is silence. ValueError names the items that no phone can press."""
    entries: list[str | None] = []
    wrong: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if item.lower() in ("", "timeout"):
            entries.append(None)
        elif set(item) <= DTMF_KEYS:
            entries.append(item)
        else:
            wrong.append(item)
    if wrong:
        listed = ", ".join(f"`{w}`" for w in wrong)
        raise ValueError(
            f"{listed} {'is not an entry' if len(wrong) == 1 else 'are not entries'} a phone can press; an entry is "
            "made of 0-9, * and #, or is `timeout`"
        )
    return entries


def _simple(request: dict[str, Any], call: Call) -> None:
    is_file = not _true(request.get("tts", "true"))
    call.event(
        "prompt", step=None, text=str(request.get("sound", "")), voice=request.get("gender", "female"), file=is_file
    )
    if request.get("leg_b"):
        call.event("call", number=request["leg_b"], cli=request.get("cid_b", ""), dtmf=request.get("dtmf_b", ""))
        call.end = "call"
    else:
        call.event("hangup", step=None)
        call.end = "hangup"


def _dialer(request: dict[str, Any], caller: Caller, call: Call) -> None:
    ivr = mapping(request.get("ivr"))
    listed = ivr.get("steps")
    steps = [s for s in listed if isinstance(s, dict)] if isinstance(listed, list) else []
    # api-notes 6: the service stops at the smaller of count_steps and the steps given.
    count = int(_number(ivr.get("count_steps"), len(steps)))
    steps = steps[: max(count, 0)]
    dependency = _true(ivr.get("have_dependency", "false"))
    by_id: dict[str, dict[str, Any]] = {}
    for step in steps:
        by_id.setdefault(str(step.get("step_id")), step)
    retries_default = int(_number(request.get("max_retries"), DEFAULT_RETRIES))
    index = 0
    current: dict[str, Any] | None = steps[0] if steps else None
    while current is not None:
        outcome = _step(current, caller, call, retries_default, dependency)
        if outcome is None:  # the call ended in this step
            return
        if isinstance(outcome, str):  # goto (api-notes 5: only with have_dependency "true")
            target = by_id.get(outcome)
            if target is None:
                call.end = "end-of-flow"
                return
            current = target
            index = steps.index(target)
            continue
        if dependency:  # api-notes 9: a list without hangup, goto or call ends the call
            call.end = "end-of-flow"
            return
        index += 1  # sequential: the next step, whatever was pressed
        current = steps[index] if index < len(steps) else None
    call.end = "end-of-flow"


def _step(
    step: dict[str, Any], caller: Caller, call: Call, retries_default: int, dependency: bool
) -> str | bool | None:
    """Run one step. None: the call ended; a str: goto that step; True: the step is done."""
    step_id = str(step.get("step_id", ""))
    prompt_is_file = _true(step.get("prompt_is_file"))
    text = spoken(step.get("prompt"))
    voice = step.get("gender") or "female"
    keys = offered(step)
    retries = int(_number(step.get("dtmf_ivr_retries"), retries_default))
    timeout = math.ceil(_number(step.get("dtmf_ivr_timeout"), DEFAULT_TIMEOUT))
    attempt = 0
    while True:
        call.prompts += 1
        if call.prompts > MAX_PROMPTS:
            call.event("limit", step=step_id, prompts=MAX_PROMPTS)
            call.end = "limit"
            return None
        call.event("prompt", step=step_id, text=text, voice=voice, file=prompt_is_file, attempt=attempt + 1)
        if not keys:
            return True  # nothing to press: the step is over once its prompt is played
        entry = caller(Step(step_id, text, keys))
        if entry is None:
            call.seconds += timeout
            call.event("timeout", step=step_id, seconds=timeout)
        elif entry in keys:
            call.event("key", step=step_id, dtmf=entry)
            report = {"dtmf": entry, "step_name": step_id}
            call.report["steps"].append(report)
            handlers = items(step.get("actions"))
            handler = next((h for h in handlers if isinstance(h, dict) and handles(h.get("key"), entry)), None)
            return _actions(handler.get("actions") if handler else None, step_id, call, report, dependency)
        else:
            invalid_text = step.get("dtmf_ivr_invalid_text") or ""
            is_file = _true(step.get("dtmf_invalid_text_is_file"))
            call.event("invalid", step=step_id, dtmf=entry, text=invalid_text, file=is_file)
            call.report["invalid"].append({"dtmf": entry, "step_name": step_id})
        attempt += 1
        if attempt > retries:  # the caller gave no valid entry in all the tries
            call.end = "no-input"
            return None


def _actions(actions: Any, step_id: str, call: Call, report: dict[str, Any], dependency: bool) -> str | bool | None:
    for action in (
        actions if isinstance(actions, list) else []
    ):  # null or empty: as a list without an ending (api-notes 9)
        if not isinstance(action, dict):
            continue
        kind = action.get("action")
        params = mapping(action.get("params"))
        if kind == "play":
            is_file = _true(params.get("is_recording"))
            call.event(
                "play",
                step=step_id,
                text=str(params.get("text", "")),
                voice=params.get("gender") or "female",
                file=is_file,
            )
        elif kind == "wait":
            seconds = math.ceil(_number(params.get("sleep"), 0))  # api-notes 10: rounded up
            call.event("wait", step=step_id, seconds=seconds)
            call.seconds += seconds
        elif kind == "mark":
            kind_of_mark = str(params.get("type", ""))
            call.event("mark", step=step_id, mark=kind_of_mark, value=params.get("value"))
            report["mark"] = kind_of_mark  # api-notes 19
            if kind_of_mark == "custom":
                report["value"] = str(params.get("value", ""))
        elif kind == "goto":
            target = str(params.get("step_id", ""))
            call.event("goto", step=step_id, to=target, ignored=not dependency)
            if dependency:
                return target
        elif kind == "call":
            call.event(
                "call",
                step=step_id,
                number=str(params.get("number", "")),
                cli=str(params.get("cli", "")),
                dtmf=str(params.get("dtmf_keys", "")),
            )
            call.end = "call"
            return None
        elif kind == "hangup":
            call.event("hangup", step=step_id)
            call.end = "hangup"
            return None
    return True


def describe(event: dict[str, Any]) -> str:
    """One event as a line of the transcript."""
    kind = event["type"]
    if kind in ("prompt", "play"):
        verb = "says" if kind == "prompt" else "plays"
        again = " again" if event.get("attempt", 1) > 1 else ""
        if event.get("file"):
            return f"{verb}{again} the recording {event['text']}"
        return f"{verb}{again} ({event['voice']} voice): {event['text']}"
    if kind == "key":
        return f"caller presses {event['dtmf']}"
    if kind == "timeout":
        return f"no key within {event['seconds']} s"
    if kind == "invalid":
        heard = (
            f"; it plays {'the recording ' if event.get('file') else ''}{event['text']}" if event.get("text") else ""
        )
        return f"caller presses {event['dtmf']}, which is not offered{heard}"
    if kind == "wait":
        return f"waits {event['seconds']} s"
    if kind == "goto":
        if event.get("ignored"):
            return f"goto {event['to']} is ignored: without have_dependency the steps run in order"
        return f"goes to step {event['to']}"
    if kind == "call":
        extra = f" (caller id {event['cli']})" if event.get("cli") else ""
        keys = f", then sends {event['dtmf']}" if event.get("dtmf") else ""
        return f"bridges the call to {event['number']}{extra}{keys}"
    if kind == "mark":
        value = f" {event['value']}" if event.get("value") is not None else ""
        return f"marks the number: {event['mark']}{value}"
    if kind == "hangup":
        return "hangs up"
    if kind == "limit":
        return f"the simulation stops: {event['prompts']} prompts have been said, more than any real call"
    return f"the call ends: {event.get('reason')}"


def transcript(events: list[dict[str, Any]]) -> str:
    """The call as a person reads it: each step's name, then what was heard and pressed."""
    lines: list[str] = []
    current: object = object()
    for event in events:
        step = event.get("step")
        if event["type"] == "prompt" and step != current:
            lines.append(f"step {step}:" if step is not None else "the call:")
            current = step
        indent = "" if event["type"] == "end" else "  "
        lines.append(indent + describe(event))
    return "\n".join(lines) + "\n"
