"""unspeakable-value: a recipient's value that the text-to-speech voice cannot say."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity

NAME = "unspeakable-value"
SEVERITY = Severity.ERROR


def diagnose(message: str, span: Span, path: str, help: str | None = None) -> Diagnostic:  # noqa: A002
    """What it does
    Finds a value that fills a spoken placeholder and has letters outside the Hebrew,
    Latin and Cyrillic scripts, the same test as `unsupported-tts-language`.

    Why is this bad?
    The service speaks Hebrew, English and Russian only (api-notes 23). A name in Arabic
    or Chinese letters is skipped or mangled in that person's call.

    Example
    ```
    name,phone
    محمد,054-600-0001
    ```

    Use instead
    ```
    name,phone
    Muhammad,054-600-0001
    ```
    """
    return Diagnostic(NAME, SEVERITY, message, span, help, path=path)
