"""ivrc: a compiler and linter for Paycall Dynamic Dialer IVR call flows."""

from ivrc.api import CompileError, Result, analyze, compile, dumps, lint, parse
from ivrc.diagnostics import Diagnostic, Severity

__version__ = "0.1.0"

__all__ = ["CompileError", "Diagnostic", "Result", "Severity", "__version__", "analyze", "compile", "dumps", "lint", "parse"]
