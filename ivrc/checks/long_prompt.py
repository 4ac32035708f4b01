"""long-prompt: a prompt that takes longer to say than the configured limit (30 s by default)."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, spoken
from ivrc.language.speech import estimate

NAME = "long-prompt"
SEVERITY = Severity.WARNING


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds a text to speech (a step's `say`, a `play`, an `invalid say`, a simple dialer's
    `say`) that takes longer to say than `long-prompt-limit` in the configuration (30
    seconds unless set), by the estimate of how fast the service's speech speaks each language.

    Why is this bad?
    Callers hang up on a long monologue before it reaches the choice it leads to, and every
    second of it is billed. A prompt that long is usually two prompts, or a letter read out.
    `ivrc simulate --timing` and `ivrc listen` say how long it really is.

    Example
    ```
    step news {
        say "Welcome to the monthly update of the residents' association.",
            "This month the board met three times, and after long discussions about the garden,",
            "the parking, the lift and the noise from the building site next door, it decided on",
            "the following matters, which we now read to you in full before the vote: first, the",
            "garden will be watered twice a week from May to September, by a company the board",
            "will choose after three offers; second, the parking places will be drawn by lot again;",
            "third, the lift will be serviced in June, and it will stop for two days while it is."
        on 1 -> hangup
    }
    ```

    Use instead
    ```
    step news {
        say "The board decided on the garden and the parking. Press 1 to hear the decisions"
        on 1 -> hangup
    }
    ```
    """
    limit = float(model.config.long_prompt_limit)
    for prompt, _ in spoken(model):
        text = " ".join(part.value for part in prompt.texts)
        seconds = estimate(text)
        if seconds > limit:
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"this prompt takes about {seconds:.0f} s to say, longer than the {limit:g} s limit",
                prompt.span,
                "split it, or say less; raise `long-prompt-limit` in the configuration if it must be this long",
            )
