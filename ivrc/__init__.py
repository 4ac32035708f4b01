"""ivrc: a compiler and linter for Paycall Dynamic Dialer IVR call flows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CompileError", "Diagnostic", "FormatError", "Result", "Severity", "__version__",
    "analyze", "compile", "decompile", "dumps", "fmt", "lint", "parse", "read_file",
]  # fmt: skip

if TYPE_CHECKING:
    from ivrc.build.library import (
        CompileError,
        FormatError,
        Result,
        analyze,
        compile,
        decompile,
        dumps,
        fmt,
        lint,
        parse,
        read_file,
    )
    from ivrc.language.diagnostics import Diagnostic, Severity


# Modules of the public API, where users import them: `from ivrc import batch`, `ivrc.ast`.
_MODULES = {"ast": "ivrc.language.ast", "batch": "ivrc.build.batch"}


def __getattr__(name: str) -> Any:
    # The API loads on first use, so `ivrc --version` and `import ivrc` stay cheap.
    if name in _MODULES:
        import importlib

        return importlib.import_module(_MODULES[name])
    if name in ("Diagnostic", "Severity"):
        from ivrc.language import diagnostics

        return getattr(diagnostics, name)
    if name in __all__:
        from ivrc.build import library

        return getattr(library, name)
    raise AttributeError(f"module 'ivrc' has no attribute {name!r}")
