"""syntax-error: the text is not .ivr (or JSON); `ivrc.language.syntax` says in words what was expected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivrc.language.syntax import NAME, SEVERITY, describe

if TYPE_CHECKING:
    from lark import Lark
    from lark.exceptions import UnexpectedInput

    from ivrc.language.diagnostics import Diagnostic

__all__ = ["NAME", "SEVERITY", "diagnose"]


def diagnose(error: UnexpectedInput, text: str, parser: Lark) -> Diagnostic:
    """What it does
    Reports text that is not valid .ivr: a misspelt keyword, a missing brace or quote,
    a value of the wrong kind (`timeout 3` where a duration such as `3s` is needed).

    Why is this bad?
    Nothing can be compiled or checked until the file parses. The message names what
    was expected at that point, in words, and the parser goes on to report later
    syntax errors too.

    Example
    ```
    step menu {
        say "Press 1"
        timeout 3
    }
    ```

    Use instead
    ```
    step menu {
        say "Press 1"
        timeout 3s
    }
    ```
    """
    return describe(error, text, parser)
