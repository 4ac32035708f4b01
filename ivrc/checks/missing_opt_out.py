"""missing-opt-out: a marketing flow whose opening step offers no way to refuse further calls."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, covers, offered_specs

NAME = "missing-opt-out"
SEVERITY = Severity.ERROR
_DIRECTIVE = re.compile(r"#\s*ivrc:\s*purpose\s+(marketing|service)\b")


def purpose(model: Model) -> str | None:
    """What the flow is for: its own `# ivrc: purpose marketing` comment, else the policy's `purpose`."""
    for comment in model.flow.comments:
        match = _DIRECTIVE.match(comment.text)
        if match is not None:
            return match.group(1)
    policy = model.config.policy
    return policy.purpose if policy is not None else None


def opening_step(model: Model) -> ast.Step | None:
    """The first step that speaks: where a marketing call must say who calls and how to refuse."""
    return next((step for step in model.steps if step.statements(ast.Say)), None)


def _opts_out(handler: ast.Handler) -> bool:
    kinds = [type(action) for action in handler.actions]
    removes = any(isinstance(a, ast.Mark) and a.kind == "remove" for a in handler.actions)
    return removes and ast.Hangup in kinds and ast.Call not in kinds and ast.Goto not in kinds


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    In a marketing flow (the policy's `purpose = "marketing"`, or the flow's own comment
    `# ivrc: purpose marketing`), finds an opening step (the first that speaks) that offers no
    key whose handler marks `remove` and hangs up, without a `call` on the way.

    Why is this bad?
    Israel's Communications Law (§30A) and the US rules for prerecorded marketing calls (47
    CFR 64.1200) ask that the message offer a way to refuse further calls, at its start, and
    that the refusal be recorded and end the call. `mark remove` is how the service records it;
    a call that connects to an agent first is not an automated opt-out.

    Example
    ```
    # ivrc: purpose marketing
    step offer {
        say "Advertisement from Tevel: press 1 to hear today's offer"
        on 1 -> play "Two tickets for one"
    }
    ```

    Use instead
    ```
    # ivrc: purpose marketing
    step offer {
        say "Advertisement from Tevel: press 1 to hear today's offer, or 9 to stop our calls"
        on 1 -> play "Two tickets for one"
        on 9 { mark remove; hangup }
    }
    ```
    """
    if purpose(model) != "marketing" or model.request is None:
        return
    if model.request.kind == "simple_dialer":
        yield Diagnostic(
            NAME,
            SEVERITY,
            "a marketing call by the simple dialer cannot offer a key to refuse further calls",
            model.request.keyword.span,
            "use a `dialer` whose opening step offers a key that marks `remove` and hangs up",
        )
        return
    step = opening_step(model)
    if step is None:
        return
    specs = offered_specs(step)
    for handler in step.handlers:
        if not _opts_out(handler):
            continue
        keys = [handler.key.text] if isinstance(handler.key, ast.Key) else []
        if not keys or any(covers(spec, keys[0]) for spec in specs):
            return
    yield Diagnostic(
        NAME,
        SEVERITY,
        f"the opening step `{step.name.text}` of a marketing flow offers no key to refuse further calls",
        step.name.span,
        "add a key that marks `remove` and hangs up, and say it in the prompt: `on 9 { mark remove; hangup }`",
    )
