"""unused-suppression: an `# ivrc: ignore[...]` comment that silences no finding."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "unused-suppression"
SEVERITY = Severity.WARNING


def diagnose(rule: str, span: Span) -> Diagnostic:
    """What it does
    Finds a rule named in a suppression comment (`# ivrc: ignore[rule-name] reason`) that
    has no finding of that rule to silence on the lines the comment covers.

    Why is this bad?
    A suppression outlives the problem it was written for: once the flow is fixed, the
    comment stays and would silently hide the next, real finding of that rule on the same
    line. Stale suppressions also mislead the reader about what is wrong with the flow.

    Example
    ```
    step menu {
        say "Press 1"
        # ivrc: ignore[ambiguous-key-prefix] we used to offer 11 too
        on 1 -> hangup
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1"
        on 1 -> hangup
    }
    ```
    """
    return Diagnostic(
        NAME,
        SEVERITY,
        f"this suppression of `{rule}` silences nothing",
        span,
        "remove it, or the rule's name from the list",
    )
