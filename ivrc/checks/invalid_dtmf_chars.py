"""invalid-dtmf-chars: a DTMF string with characters the service drops."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import ast
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "invalid-dtmf-chars"
SEVERITY = Severity.WARNING

ALLOWED = frozenset("0123456789*#Ww")


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds characters other than `0`-`9`, `*`, `#`, `W` (wait one second) and `w` (wait
    half a second) in the DTMF sent on answer: a dialer's `dtmf`, a `call`'s `dtmf`, and
    a simple dialer leg's `dtmf`.

    Why is this bad?
    The service silently drops other characters (api-notes 15), so the keys sent are
    not the ones written: an extension `12-34` becomes `1234`, and a pause written as
    `p` is no pause at all.

    Example
    ```
    step transfer {
        say "Connecting you"
        on 1 -> call "+97230000000" cli "+97230000001" dtmf "p123"
    }
    ```

    Use instead
    ```
    step transfer {
        say "Connecting you"
        on 1 -> call "+97230000000" cli "+97230000001" dtmf "w123"
    }
    ```
    """
    for text in _dtmf_texts(model):
        bad = [(i, c) for i, c in enumerate(text.value) if c not in ALLOWED]
        if bad:
            first, char = bad[0]
            shown = "".join(sorted({c for _, c in bad}, key=text.value.index))
            span = text.part(first, bad[-1][0] + 1)
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"the service drops {', '.join(f'`{c}`' for c in shown)} from DTMF `{text.value}`",
                span,
                "DTMF takes `0`-`9`, `*`, `#`, `W` (wait 1 s) and `w` (wait 0.5 s)",
            )


def _dtmf_texts(model: Model) -> Iterator[ast.Text]:
    if model.request is not None:
        for setting in model.request.statements(ast.Setting):
            if setting.field == "dtmf_originator" and isinstance(setting.value, ast.Text):
                yield setting.value
            elif isinstance(setting.value, ast.Leg) and setting.value.dtmf is not None:
                yield setting.value.dtmf
    for step in model.steps:
        for handler in step.handlers:
            for action in handler.actions:
                if isinstance(action, ast.Call) and action.dtmf is not None:
                    yield action.dtmf
