"""invalid-suppression: an `# ivrc: ignore[...]` comment naming a rule that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model
from ivrc.language.rule_names import rule_names
from ivrc.language.suppression import bare, suppressions

NAME = "invalid-suppression"
SEVERITY = Severity.WARNING


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds suppression comments (`# ivrc: ignore[rule-name] reason`) that name an unknown
    rule, or no rule at all, and comments written as a suppression without the bracketed
    list of rules (`# ivrc: ignore`).

    Why is this bad?
    A misspelt name suppresses nothing, so the finding it was meant to silence is still
    reported, or the comment hides a typo that will confuse the next reader.

    Example
    ```
    step menu {
        say "Press 1 or 11"
        # ivrc: ignore[ambiguous-prefix] both are in the printed leaflet
        on 1 -> hangup
        on 11 -> hangup
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1 or 11"
        # ivrc: ignore[ambiguous-key-prefix] both are in the printed leaflet
        on 1 -> hangup
        on 11 -> hangup
    }
    ```
    """
    known = rule_names()
    for comment in bare(model.flow.comments):
        yield Diagnostic(
            NAME,
            SEVERITY,
            "this suppression names no rule in brackets, so it suppresses nothing",
            comment.span,
            "name the rules: `# ivrc: ignore[rule-name] reason`",
        )
    for suppression in suppressions(model.flow.comments):
        if not suppression.rules:
            yield Diagnostic(
                NAME,
                SEVERITY,
                "this suppression names no rule",
                suppression.comment.span,
                "write the rule's name: `# ivrc: ignore[rule-name] reason`",
            )
        for name, span in suppression.rules:
            if name not in known:
                import difflib  # only for a name that is no rule's

                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"did you mean `{close[0]}`?" if close else "`ivrc rules` lists the rule names"
                yield Diagnostic(NAME, SEVERITY, f"no rule named `{name}`; this suppresses nothing", span, hint)
