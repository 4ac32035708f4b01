"""unreadable-file: a path that was named or found, and cannot be read as UTF-8 text."""

from __future__ import annotations

from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.files import Unreadable

NAME = "unreadable-file"
SEVERITY = Severity.ERROR


def diagnose(problem: Unreadable) -> Diagnostic:
    """What it does
    Reports a file that ivrc was asked to check and cannot read: it does not exist, it is
    a folder, it may not be read, or its bytes are not UTF-8 text (a binary file, or text
    saved in another encoding such as Windows-1255).

    Why is this bad?
    A file that cannot be read is not checked at all. In CI that must not pass for a clean
    run, so the problem is reported as a finding in every output format, at the first byte
    that is not UTF-8 when there is one, and the command exits with code 2.

    Example
    ```
    ivrc lint flows/reminder.ivr    # saved as Windows-1255
    ```

    Use instead
    ```
    iconv -f WINDOWS-1255 -t UTF-8 flows/reminder.ivr > reminder.ivr && mv reminder.ivr flows/
    ivrc lint flows/reminder.ivr
    ```
    """
    line, column = problem.line, problem.column
    span = Span(line, column, line, column + 1, 0, 0)
    hint = None
    if "UTF-8" in problem.reason:
        hint = "save the file as UTF-8 (with or without a BOM)"
    elif "no such" in problem.reason:
        hint = "check the path and its spelling"
    return Diagnostic(NAME, SEVERITY, problem.reason, span, hint, path=str(problem.path))
