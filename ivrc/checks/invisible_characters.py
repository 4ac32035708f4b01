"""invisible-characters: invisible format characters in a phone number, read past."""

from __future__ import annotations

from collections.abc import Iterator

from ivrc.language import phone
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.model import Model

NAME = "invisible-characters"
SEVERITY = Severity.INFO


def check(model: Model) -> Iterator[Diagnostic]:
    """What it does
    Points out invisible format characters in a phone number, of a flow or of a recipients
    file: the left-to-right and right-to-left marks, the bidi embeddings and isolates, the
    zero-width spaces and joiners, and the no-break spaces. ivrc reads the number past them
    and names each by its code point. In a name or a prompt's value they are kept as written.

    Why is this bad?
    A number copied from a Hebrew spreadsheet or a web page often carries marks that nobody
    can see. They are harmless to ivrc, which sends the digits alone, but another tool that
    reads the same file may refuse the number or dial something else.

    Example
    ```
    name,phone
    Dana,\u200e054-600-0001\u200e
    ```

    Use instead
    ```
    name,phone
    Dana,054-600-0001
    ```
    """
    for use in model.phones:
        found = diagnose_value(use.text.value, use.text.span, "<string>")
        if found is not None:
            yield found


def diagnose_value(written: str, span: Span, path: str, where: str = "") -> Diagnostic | None:
    """The finding for one written number that holds invisible characters; None when it has none."""
    names = phone.invisible(written)
    if not names:
        return None
    counted = {name: names.count(name) for name in names}
    listed = ", ".join(name + (f" ×{count}" if count > 1 else "") for name, count in counted.items())
    return Diagnostic(
        NAME,
        SEVERITY,
        f"{where or 'the number'} holds invisible characters, read past: {listed}",
        span,
        "delete them (they often come with numbers copied from right-to-left text)",
        path,
    )
