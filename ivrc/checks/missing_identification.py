"""missing-identification: a marketing call whose opening prompt does not say who is calling."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.checks.missing_opt_out import opening_step, purpose
from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "missing-identification"
SEVERITY = Severity.ERROR
MARKERS = ("פרסומת", "advertisement", "реклама")


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    In a marketing flow, finds an opening prompt (the first step's, or a simple dialer's text)
    that neither names the sender (the policy's `sender`) nor says it is an advertisement
    ("פרסומת", "advertisement", "реклама"). A recorded opening cannot be heard by ivrc and is
    not checked.

    Why is this bad?
    Israel's Communications Law (§30A) asks that a marketing message open by saying it is an
    advertisement and who sends it; the US rules ask that a prerecorded call identify the
    caller at its start.

    Example
    ```
    # ivrc: purpose marketing
    step offer {
        say "Press 1 to hear today's offer, or 9 to stop our calls"
        on 1 -> play "Two tickets for one"
        on 9 { mark remove; hangup }
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
        says = model.request.statements(ast.Say)
    else:
        step = opening_step(model)
        if step is None:
            return
        says = step.statements(ast.Say)
    if not says or not isinstance(says[0].prompt, ast.SpokenPrompt):
        return
    text = " ".join(t.value for t in says[0].prompt.texts).casefold()
    policy = model.config.policy
    sender = policy.sender if policy is not None else None
    if any(marker.casefold() in text for marker in (*MARKERS, *([sender] if sender else []))):
        return
    named = f"the sender ({sender}) or " if sender else ""
    yield Diagnostic(
        NAME,
        SEVERITY,
        f"the opening prompt of a marketing flow does not say {named}that it is an advertisement",
        says[0].prompt.texts[0].span,
        'open with who is calling: `say "Advertisement from …"`'
        + ("" if sender else ', or set the policy\'s `sender = "…"` to the name it says'),
    )
