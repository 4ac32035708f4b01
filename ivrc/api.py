"""The library API under the CLI: parse, lint and compile .ivr text."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ivrc import ast, checks
from ivrc import model as semantics
from ivrc.diagnostics import Diagnostic, has_errors
from ivrc.emit import dumps, emit
from ivrc.parser import parse as _parse

__all__ = ["CompileError", "Result", "analyze", "compile", "dumps", "lint", "parse"]


class CompileError(Exception):
    """The text has error findings; `diagnostics` lists every finding."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = next(d for d in diagnostics if d.severity.value == "error")
        super().__init__(f"{first.path}:{first.line}:{first.column}: {first.message}")


@dataclass(frozen=True)
class Result:
    """All that one run over one file found: its AST, findings and, when asked and error-free, its request."""

    path: str
    flow: ast.Flow | None
    diagnostics: tuple[Diagnostic, ...]
    request: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def analyze(text: str, *, path: str = "<string>", region: str | None = None, emit_request: bool = False) -> Result:
    """Parse, run every check and, with `emit_request`, build and validate the request."""
    parsed = _parse(text, path)
    if parsed.flow is None:
        return Result(path, None, parsed.diagnostics)
    model = semantics.build(parsed.flow, region)
    found = [replace(d, path=path) for d in checks.run(model)]
    request = None
    if emit_request and not has_errors(found):
        from ivrc.schema import validate

        emitted = emit(model)
        violations = [replace(d, path=path) for d in validate(model.request.kind, emitted.request, emitted.spans)]  # type: ignore[union-attr]
        found.extend(violations)
        request = None if violations else emitted.request
    return Result(path, parsed.flow, tuple(sorted(found, key=lambda d: d.sort_key)), request)


def parse(text: str, *, path: str = "<string>") -> ast.Flow:
    """The AST of .ivr text; CompileError lists the syntax errors when it does not parse."""
    parsed = _parse(text, path)
    if parsed.flow is None:
        raise CompileError(list(parsed.diagnostics))
    return parsed.flow


def lint(text: str, *, path: str = "<string>", region: str | None = None) -> list[Diagnostic]:
    """Every finding in .ivr text: syntax errors, or else the checks' findings."""
    return list(analyze(text, path=path, region=region).diagnostics)


def compile(text: str, *, path: str = "<string>", region: str | None = None) -> dict[str, Any]:  # noqa: A001
    """The request dict for .ivr text, ready for `dumps`; CompileError when it has errors."""
    result = analyze(text, path=path, region=region, emit_request=True)
    if result.request is None:
        raise CompileError(list(result.diagnostics))
    return result.request
