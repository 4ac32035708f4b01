"""recording-not-wav: a recording named by a file that is not a .wav file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model, recordings

NAME = "recording-not-wav"
SEVERITY = Severity.ERROR


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Finds `say file`, `play file` and `invalid say file` names that do not end in `.wav`.

    Why is this bad?
    `ivrc deploy` uploads every recording the flow plays, and it uploads WAV files only, as
    the API document's own example does (`recs[]=@hello_welcome.wav`). A flow that names an
    MP3 would pass the checks and then fail when it is deployed.

    Example
    ```
    step hello {
        say file "reminder.mp3"
    }
    ```

    Use instead
    ```
    step hello {
        say file "reminder.wav"
    }
    ```
    """
    for name in recordings(model):
        suffix = PurePosixPath(name.value).suffix
        if suffix.lower() != ".wav":
            stem = PurePosixPath(name.value).stem if suffix else name.value
            what = f"a {suffix} file" if suffix else "a name without `.wav`"
            yield Diagnostic(
                NAME,
                SEVERITY,
                f"recording `{name.value}` is {what}; recordings are uploaded as WAV files",
                name.span,
                f"convert it to WAV and name it `{stem}.wav`",
            )
