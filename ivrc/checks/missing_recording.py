"""missing-recording: a recording the flow names is not in the recordings folder."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, recordings

NAME = "missing-recording"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    When a recordings folder is given (`--recordings DIR`, or `recordings` in the
    configuration), finds `say file`, `play file` and `invalid say file` names that are
    not files in it.

    Why is this bad?
    A prompt that is a file names a recording uploaded to the service (api-notes 16). If
    it was never uploaded, the service reports an error or the caller hears nothing.

    Example
    ```
    step hello {
        say file "welcom.wav"
    }
    ```

    Use instead
    ```
    step hello {
        say file "welcome.wav"
    }
    ```
    """
    folder = model.config.recordings
    if folder is None:
        return
    present = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    for name in recordings(model):
        if name.value not in present:
            import difflib

            close = difflib.get_close_matches(name.value, present, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"add it to {folder}"
            yield Diagnostic(NAME, SEVERITY, f"recording `{name.value}` is not in {folder}", name.span, hint)
