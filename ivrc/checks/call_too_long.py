"""call-too-long: a way through the flow that lasts longer than the service lets a call last."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model
from ivrc.language.speech import estimate

NAME = "call-too-long"
SEVERITY = Severity.WARNING
WHOLE_FILE = True  # a dropped statement would shorten the flow's ways
DEFAULT_RETRIES = 3  # max_retries: "Default, if non provided is 3"
DEFAULT_TIMEOUT = Decimal(3)  # dtmf_ivr_timeout: "Default, if none provided will be 3 seconds"
KEY_SECONDS = Decimal("0.25")  # a key pressed, as the timeline counts it


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a flow whose longest way through takes longer than `call-too-long-limit` in the
    configuration: every step's prompt said as often as its retries allow, each timeout
    waited, then the key that leads furthest, its plays and waits, and on to the next step. It
    checks nothing until the limit is set: the service ends a call at a fixed time of its own
    (a call cut there ends with `ALLOTTED_TIMEOUT`), and the document does not say how long
    that is. Ask the service for it, or read it off `ivrc report`'s hangup causes.

    Why is this bad?
    A call cut at the service's limit ends in the middle of a prompt, before the choice it
    leads to: the caller hears nothing of the end, and the mark or bridge never happens.

    Example
    ```
    step menu {
        say "Press 1 for the schedule"
        retries 20
        on 1 { play "The full schedule, read out, for ten minutes..."; wait 10m; hangup }
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 for the schedule"
        retries 2
        on 1 { play "The schedule is on our site"; hangup }
    }
    ```
    """
    limit = model.config.call_too_long_limit
    if limit is None or not model.steps:
        return
    seconds, route = longest(model)
    if seconds > limit:
        shown = " → ".join(route[:8]) + (" → …" if len(route) > 8 else "")
        yield Diagnostic(
            NAME,
            SEVERITY,
            f"the longest way through the flow takes about {seconds:.0f} s ({shown}), longer than the "
            f"{limit.normalize():f} s the service lets a call last",
            model.steps[0].name.span,
            "fewer retries, shorter prompts or waits; raise `call-too-long-limit` if the service allows longer calls",
        )


def longest(model: Model) -> tuple[Decimal, list[str]]:
    """The longest way through the flow, in seconds, and the steps along it. A way that comes back
    to a step already on it stops there: a loop is `no-exit-loop`'s finding, not a length."""
    steps = list(model.steps)
    position = {step.name.text: index for index, step in enumerate(steps)}
    default_retries = _request_retries(model.request)
    best: dict[str, tuple[Decimal, list[str]]] = {}
    # An iterative depth-first walk from the first step, where every call begins: a flow of
    # thousands of steps in a row is no deeper for it.
    stack: list[tuple[ast.Step, bool]] = [(steps[0], False)]
    open_: set[str] = set()
    while stack:
        step, expanded = stack.pop()
        name = step.name.text
        if name in best:
            continue
        following = _next_steps(step, model, steps, position)
        if not expanded:
            open_.add(name)
            stack.append((step, True))
            stack.extend((s, False) for s in following if s.name.text not in best and s.name.text not in open_)
            continue
        open_.discard(name)
        best[name] = _step_longest(step, model, following, best, default_retries)
    return best[steps[0].name.text]


def _step_longest(
    step: ast.Step,
    model: Model,
    following: list[ast.Step],
    best: dict[str, tuple[Decimal, list[str]]],
    default_retries: int,
) -> tuple[Decimal, list[str]]:
    name = step.name.text
    prompt = sum((_said(s.prompt) for s in step.statements(ast.Say)), Decimal(0))
    handlers = step.handlers
    if not handlers:
        after = _after(None, step, model, following, best)
        return prompt + after[0], [name, *after[1]]
    retries = _retries(step, default_retries)
    timeout = _timeout(step)
    silent = (retries + 1) * (prompt + timeout)  # no key in all the tries: the call ends
    options: list[tuple[Decimal, list[str]]] = [(silent, [name])]
    for handler in handlers:
        actions = sum((_action(a) for a in handler.actions), Decimal(0))
        after = _after(handler, step, model, following, best)
        total = retries * (prompt + timeout) + prompt + KEY_SECONDS + actions + after[0]
        options.append((total, [name, *after[1]]))
    return max(options, key=lambda option: option[0])


def _after(
    handler: ast.Handler | None,
    step: ast.Step,
    model: Model,
    following: list[ast.Step],
    best: dict[str, tuple[Decimal, list[str]]],
) -> tuple[Decimal, list[str]]:
    """What comes after a key's actions: the step it goes to, and that step's longest way."""
    target = _target(handler, step, model, following)
    if target is None:
        return Decimal(0), []
    return best.get(target.name.text, (Decimal(0), []))  # a step open on the way: the loop stops here


def _target(handler: ast.Handler | None, step: ast.Step, model: Model, following: list[ast.Step]) -> ast.Step | None:
    ending = next((a for a in handler.actions if isinstance(a, ast.ENDING_ACTIONS)), None) if handler else None
    if isinstance(ending, (ast.Hangup, ast.Call)):
        return None
    if isinstance(ending, ast.Goto):
        return model.by_name.get(ending.target.text) if model.dependency else _sequential(following)
    return None if model.dependency else _sequential(following)


def _sequential(following: list[ast.Step]) -> ast.Step | None:
    return following[-1] if following else None


def _next_steps(step: ast.Step, model: Model, steps: list[ast.Step], position: dict[str, int]) -> list[ast.Step]:
    """The steps a call can go to from this one: gotos with dependency; else the next in order
    (kept last, where `_sequential` finds it)."""
    found = []
    if model.dependency:
        for handler in step.handlers:
            for action in handler.actions:
                if isinstance(action, ast.Goto) and action.target.text in model.by_name:
                    found.append(model.by_name[action.target.text])
        return found
    index = position[step.name.text] + 1
    return [steps[index]] if index < len(steps) else []


def _said(prompt: Any) -> Decimal:
    if isinstance(prompt, ast.SpokenPrompt):
        return Decimal(str(estimate(" ".join(text.value for text in prompt.texts))))
    return Decimal(0)  # a recording: its length is not in the flow


def _action(action: Any) -> Decimal:
    if isinstance(action, ast.Play):
        return _said(action.prompt)
    if isinstance(action, ast.Wait):
        return action.duration.seconds
    return Decimal(0)


def _number(setting: ast.Setting | None) -> Any:
    value = getattr(setting, "value", None) if setting is not None else None
    return getattr(value, "seconds", None) if isinstance(value, ast.Duration) else getattr(value, "value", None)


def _request_retries(request: ast.Request | None) -> int:
    value = _number(request.setting("max_retries")) if request is not None else None
    return _whole(value, DEFAULT_RETRIES)


def _retries(step: ast.Step, default: int) -> int:
    settings = step.settings("dtmf_ivr_retries")
    return _whole(_number(settings[-1]) if settings else None, default)


def _timeout(step: ast.Step) -> Decimal:
    settings = step.settings("dtmf_ivr_timeout")
    value = _number(settings[-1]) if settings else None
    try:
        return Decimal(str(value)) if value is not None else DEFAULT_TIMEOUT
    except ArithmeticError:
        return DEFAULT_TIMEOUT


def _whole(value: Any, default: int) -> int:
    try:
        return max(int(Decimal(str(value))), 0) if value is not None else default
    except ArithmeticError:
        return default
