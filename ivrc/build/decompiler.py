"""Request JSON to .ivr, checked by compiling the result back: what does not come back the same is
reported, never dropped."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any, overload

from ivrc import checks
from ivrc.build import from_json
from ivrc.build.emit import JsonPath, emit
from ivrc.checks import not_expressible
from ivrc.language import ast, phone, printer
from ivrc.language import model as semantics
from ivrc.language.config import Config
from ivrc.language.diagnostics import Diagnostic
from ivrc.language.parser import parse

PHONE_FIELDS = {"number", "cli", "leg_a", "cid_a", "leg_b", "cid_b"}
# Values the API document gives as defaults: writing them or leaving them out is the same request.
DEFAULTS: dict[str, tuple[object, ...]] = {
    "schedule_type": ("seconds",),
    "schedule": (None,),
    "numbers_from_queue": ("false",),
    "from_campaign": ("false",),
    "have_dependency": ("false",),
    "prompt_is_file": ("false",),
    "dtmf_invalid_text_is_file": ("false",),
    "is_recording": ("false",),
    "gender": ("female",),
    "dial_at": (0, ""),
    "dtmf_originator": ("",),
    "dtmf_a": ("",),
    "dtmf_b": ("",),
    "cli": ("",),
    "cid_a": ("",),
    "cid_b": ("",),
    "dtmf_ivr_invalid_text": ("",),
    "actions": (None, []),
    "params": ({},),
}


def normalise(request: Any, region: str | None = None) -> Any:
    """A request with only what the API defines as equivalent made equal (api-notes 2, 3, 7,
    9, 14): JSON or string booleans and numbers, E.164 with or without `+`, a one-entry dtmf_ivr
    as a string or an array, defaults written or omitted, empty or null action lists."""
    return _normal(request, None, region)


def _normal(value: Any, field: str | None, region: str | None) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _normal(item, key, region)
            if key in DEFAULTS and any(item == default and type(item) is type(default) for default in DEFAULTS[key]):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        items = [_normal(v, field, region) for v in value]
        if field in ("dtmf_ivr", "prompt") and len(items) == 1:
            return items[0]  # one entry as a string is one entry as an array
        return items
    if isinstance(value, bool) and field in from_json.BOOLEANS:
        return "true" if value else "false"
    if isinstance(value, str) and field in PHONE_FIELDS and value:
        reading = phone.read(value, region)
        return reading.digits or value.lstrip("+")
    if isinstance(value, str) and field in from_json.INTEGERS | from_json.NUMBERS and len(value) <= 20:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def decompile(text: str, *, region: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """The .ivr text of a JSON request, or None and the diagnostics that say why not."""
    flow, plain, problems = from_json.read(text)
    if flow is None or plain is None:
        return None, problems
    if problems:  # two values for one field: .ivr can hold one
        return None, [
            not_expressible.diagnose(d.message + "; .ivr holds one value", d.span, "remove one of the two")
            for d in problems
        ]
    # What the checks find that .ivr cannot write at all (a range bound `9#`, a leg's caller id
    # with no leg): those findings, where lint reports them, rather than a text that fails.
    blocking = [
        d
        for d in checks.run(semantics.build(flow, Config(region=region)))
        if d.rule in _UNWRITABLE and d.severity.value == "error"
    ]
    if blocking:
        return None, blocking
    written = printer.Printer().flow(_for_print(flow, region))
    back = parse(written, "<decompiled>")
    if back.flow is None or back.diagnostics:  # the printer wrote something the parser refuses: a bug, said plainly
        return None, [
            not_expressible.diagnose(f"the decompiled text does not parse: {d.message}", plain.span(()))
            for d in back.diagnostics
        ]
    request = emit(semantics.build(back.flow, Config(region=region))).request
    differences = _differences(normalise(plain.data, region), normalise(request, region), ())
    if differences:
        return None, [_explain(path, want, got, plain) for path, want, got in differences]
    return written, []


def _for_print(flow: ast.Flow, region: str | None) -> ast.Flow:
    """The request as .ivr would say it: `keys` only where dtmf_ivr is not what the handlers
    give anyway, the region line when one was given, and every number written so that it
    reads back as the same number whatever the region."""
    items: list[ast.Item] = [ast.Region(ast.Name(region, flow.span), flow.span)] if region else []
    for item in flow.items:
        if isinstance(item, ast.Step):
            derived = [h.key for h in item.handlers]
            body = tuple(
                s
                for s in item.body
                if not (isinstance(s, ast.Keys) and semantics.offered(list(s.entries)) == semantics.offered(derived))
            )
            body = tuple(
                replace(s, actions=tuple(_call_numbers(a, region) for a in s.actions))
                if isinstance(s, ast.Handler)
                else s
                for s in body
            )
            item = replace(item, body=body)
        elif isinstance(item, ast.Request):
            item = replace(item, body=tuple(_setting_numbers(s, region) for s in item.body))
        items.append(item)
    return replace(flow, items=tuple(items))


@overload
def _stable(text: ast.Text, region: str | None) -> ast.Text: ...
@overload
def _stable(text: None, region: str | None) -> None: ...
def _stable(text: ast.Text | None, region: str | None) -> ast.Text | None:
    """A number of the request as .ivr must write it: as it was, unless the region would read
    it as another number (`50000000` in IL is 97250000000); then with its `+`, as E.164."""
    if text is None or not text.value or not text.value.lstrip("+").isdigit() or text.value.startswith("0"):
        return text  # a local form (`054…`) is read with the region by design
    digits = text.value.lstrip("+")
    if phone.read(text.value, region).digits in (digits, None):
        return text
    return replace(text, value="+" + digits)


def _setting_numbers(statement: ast.RequestStatement, region: str | None) -> ast.RequestStatement:
    if not isinstance(statement, ast.Setting):
        return statement
    value = statement.value
    if statement.field in ("number", "cli") and isinstance(value, ast.Text):
        return replace(statement, value=_stable(value, region))
    if isinstance(value, ast.Leg):
        return replace(
            statement, value=replace(value, number=_stable(value.number, region), cli=_stable(value.cli, region))
        )
    return statement


def _call_numbers(action: ast.Action, region: str | None) -> ast.Action:
    if isinstance(action, ast.Call) and isinstance(action.number, ast.Text):
        return replace(action, number=_stable(action.number, region), cli=_stable(action.cli, region))
    return action


_MISSING = object()
_UNWRITABLE = frozenset({"invalid-range", "missing-number", "invalid-time"})


def _differences(want: Any, got: Any, path: JsonPath) -> list[tuple[JsonPath, Any, Any]]:
    if isinstance(want, dict) and isinstance(got, dict):
        found = []
        for key in list(want) + [k for k in got if k not in want]:
            found += _differences(want.get(key, _MISSING), got.get(key, _MISSING), (*path, key))
        return found
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (a, b) in enumerate(zip(want, got, strict=False)) for d in _differences(a, b, (*path, i))]
    return [] if want == got else [(path, want, got)]


def _written(path: JsonPath, plain: from_json.Plain, normalised: Any) -> Any:
    """The value at `path` as the request writes it (a number as it was, not its E.164 form)."""
    value: Any = plain.data
    for part in path:
        there, value = from_json.child(value, part)
        if not there:
            return normalised
    return value


def _explain(path: JsonPath, want: Any, got: Any, plain: from_json.Plain) -> Diagnostic:
    where = "/".join(map(str, path))
    want = want if want is _MISSING else _written(path, plain, want)
    field = path[-1] if path else None
    span = plain.key(path) if want is not _MISSING else _nearest(path, plain)
    if field == "have_dependency":
        flows = "has a goto" if got == "true" else "has no goto"
        return not_expressible.diagnose(
            f"`{where}` is {json.dumps(want if want is not _MISSING else 'false')}, but the flow {flows}; .ivr "
            "derives have_dependency from its gotos",
            span,
            'with gotos the request needs "true", without them "false"',
        )
    if field == "count_steps":
        stated = "is not given" if want is _MISSING else f"is {_shown(want)}"
        return not_expressible.diagnose(
            f"`{where}` {stated} but there {'is 1 step' if got == 1 else f'are {got} steps'}; .ivr counts the steps "
            "itself",
            span,
            f"set count_steps to {got}",
        )
    if got is _MISSING:
        return not_expressible.diagnose(
            f"`{where}` ({_shown(want)}) has no .ivr form and would be dropped",
            span,
            "remove it, or correct it to a field of the API document",
        )
    if want is _MISSING:
        return not_expressible.diagnose(
            f"the .ivr form would add `{where}` ({_shown(got)}), which the request does not have", span
        )
    return not_expressible.diagnose(
        f"`{where}` is {_shown(want)}, but its .ivr form compiles to {_shown(got)}",
        span,
        "correct the value to one the API document allows",
    )


def _nearest(path: JsonPath, plain: from_json.Plain) -> Any:
    for end in range(len(path), -1, -1):
        if path[:end] in plain.spans:
            return plain.spans[path[:end]]
    return plain.span(())


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"
