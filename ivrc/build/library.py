"""The library API under the CLI: parse, lint and compile .ivr text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivrc import checks
from ivrc.build.emit import dumps, emit
from ivrc.language import ast
from ivrc.language import model as semantics
from ivrc.language.config import Config
from ivrc.language.diagnostics import Diagnostic, has_errors
from ivrc.language.memory import no_cycle_collection
from ivrc.language.parser import parse as _parse

if TYPE_CHECKING:
    from ivrc.build.template import Template
    from ivrc.language.incremental import Reuse

__all__ = ["CompileError", "Result", "analyze", "compile", "decompile", "dumps", "fmt", "lint", "parse", "read_file"]


class CompileError(Exception):
    """The text has error findings; `diagnostics` lists every finding."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = next((d for d in diagnostics if d.severity.value == "error"), diagnostics[0] if diagnostics else None)
        super().__init__(f"{first.path}:{first.line}:{first.column}: {first.message}" if first else "no request")


@dataclass(frozen=True)
class Result:
    """All that one run over one file found: its AST, findings and, when asked and error-free, its request."""

    path: str
    flow: ast.Flow | None
    diagnostics: tuple[Diagnostic, ...]
    request: dict[str, Any] | None = None
    template: Template | None = None  # a flow that takes values from recipients, compiled once
    data: Any = None  # a JSON request as read (api-notes 2, 3), with findings or without
    model: semantics.Model | None = None  # what the checks read: the flow with its configuration

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def analyze(
    text: str,
    *,
    path: str = "<string>",
    region: str | None = None,
    config: Config | None = None,
    emit_request: bool = False,
    recipients: bool = False,
    reuse: Reuse | None = None,
    findings_only: bool = False,
) -> Result:
    """Parse, run the checks the config selects and, with `emit_request`, build and validate the
    request. A flow that takes values from recipients is a template: with `recipients` its
    compiled template comes back, ready for `ivrc.build.batch.run`; without, that is an error. With
    `reuse` (kept by the caller between versions of one text), unchanged blocks are not parsed
    again. With `findings_only`, only the findings' places are worked out: the spans of a JSON
    request's tree are then marks (`json_locate`), not places."""
    with no_cycle_collection():
        return _analyze(text, path, region, config, emit_request, recipients, reuse, findings_only)


def _analyze(
    text: str,
    path: str,
    region: str | None,
    config: Config | None,
    emit_request: bool,
    recipients: bool,
    reuse: Reuse | None,
    findings_only: bool = False,
) -> Result:
    config = (config or Config()).override(region=region)
    if is_json(text, path):
        return _analyze_json(text, path, config, emit_request, findings_only)
    if reuse is not None:  # an editor's document: parse only the blocks an edit changed
        from ivrc.language.incremental import parse_reusing

        parsed = parse_reusing(text, reuse, path)
    else:
        parsed = _parse(text, path)
    if parsed.flow is None:
        return Result(path, None, tuple(checks.configure(list(parsed.diagnostics), config)))
    model = semantics.build(parsed.flow, config)
    complete = bool(parsed.complete)
    # A syntax error hides nothing else: the statements that parsed are still checked.
    findings = [*parsed.diagnostics, *(d._replace(path=path) for d in checks.run(model, complete))]
    found = checks.configure(findings, config, parsed.flow, complete)
    request = None
    template = None
    if emit_request and complete and not has_errors(found):
        from ivrc.build.schema import validate

        emitted = emit(model, spans=False)  # kept only to say where a violation comes from
        if config.overrides:  # the environment's caller id and return address
            _override(emitted.request, config.overrides, model.region)
        spans = lambda: emit(model).spans  # noqa: E731
        violations = [d._replace(path=path) for d in validate(model.request.kind, emitted.request, spans)]  # type: ignore[union-attr]
        found.extend(violations)
        request = None if violations else emitted.request
        if request is not None and model.fields:
            if recipients:
                from ivrc.build.template import Template

                template = Template.of(model, request, path)
            else:
                found.append(_needs_recipients(model, path))
            request = None
    located = tuple(sorted(found, key=lambda d: d.sort_key))
    return Result(path, parsed.flow, located, request, template, model=model)


def _override(request: dict[str, Any], overrides: Mapping[str, str], region: str | None) -> None:
    """Set what an environment sets in every request: the caller id (read as the flow's numbers
    are, with its region) and a dialer's return address."""
    from ivrc.language import phone

    if "cli" in overrides:
        reading = phone.read(overrides["cli"], region)
        request["cli" if "ivr" in request else "cid_a"] = reading.digits or overrides["cli"]
    if "return_address" in overrides and "ivr" in request:
        request["return_address"] = overrides["return_address"]


def _needs_recipients(model: semantics.Model, path: str) -> Diagnostic:
    from ivrc.checks import missing_recipients

    names = ", ".join(f"`recipient.{name}`" for name in model.field_names)
    first = model.fields[0].field.span
    return missing_recipients.diagnose(
        f"this flow is a template: it takes {names} from each recipient, and no recipients file was given",
        first,
        path,
        'give one with --recipients FILE (.csv or .jsonl), or `recipients = "FILE"` in ivrc.toml or [tool.ivrc]',
    )


def is_json(text: str, path: str) -> bool:
    """Request JSON by its name, or, for text with no telling name, by its first character."""
    if path.endswith(".json"):
        return True
    if path.endswith(".ivr"):
        return False
    return text.lstrip("\ufeff \t\r\n").startswith(("{", "["))


def _analyze_json(
    text: str, path: str, config: Config, emit_request: bool = False, findings_only: bool = False
) -> Result:
    """The same checks on a JSON request, with the schema's findings and the reader's."""
    from ivrc.build import from_json
    from ivrc.build.json_locate import place
    from ivrc.build.schema import validate_json

    found_by: set[str] = set()  # the checks that found something in the first reading
    schema_said = True  # whether the schema found something in the first reading
    built: list[semantics.Model] = []  # the model of the last reading
    read_before = False  # whether the first reading got past the depth check

    def findings(exact: bool, again: bool = False) -> tuple[ast.Flow | None, Any, list[Diagnostic]]:
        marked = findings_only and not exact
        flow, plain, problems = from_json.read(text, exact=exact, shallow=again and read_before, marked=marked)
        found = list(problems)
        if flow is not None and plain is not None:
            if not again or schema_said:
                found += validate_json(flow.requests[0].kind, plain)
            model = semantics.build(flow, config)
            built[:] = [model]
            found += checks.run(model, only=frozenset(found_by) if again else None, found_by=found_by)
        return flow, plain, found

    # Most requests have nothing to report: a small one is read fast, and again with positions
    # only when there is something to say where, by the checks that said something (the same
    # request gives the same findings; only their places were missing). A large one is read
    # once, with positions: a second reading would cost more than the positions do. When only
    # the findings are wanted, their places are looked up by the paths their marks stand for.
    flow, plain, found = findings(exact=len(text) > _READ_ONCE)
    placed = place(found, plain, text) if found and findings_only else None
    if placed is not None:
        found = placed
    elif found and len(text) <= _READ_ONCE:
        schema_said = any(d.rule == "schema-violation" for d in found)
        read_before = plain is not None
        flow, plain, found = findings(exact=True, again=True)
    if _unreadable_steps(found):
        # A step that cannot be read is the schema's finding; the flow read without it is not
        # a flow without steps, nor one with fewer steps than `count_steps` says.
        found = [d for d in found if d.rule not in ("missing-step", "count-steps-mismatch")]
    located = tuple(checks.configure([d._replace(path=path) for d in found], config))
    # A JSON request compiles to itself as the service reads it (api-notes 2, 3).
    request = plain.data if emit_request and plain is not None and not has_errors(located) else None
    data = None if plain is None else plain.data
    return Result(path, flow, located, request, data=data, model=built[0] if built and flow is not None else None)


# A step that is not an object, or has no `step_id`: the flow is read without it.
_READ_ONCE = 64 * 1024  # characters: a request this large is read with positions at once
_STEP_NOT_OBJECT = re.compile(r"^`ivr/steps/\d+` (must be an object|has no `step_id`)")


def _unreadable_steps(found: list[Diagnostic]) -> bool:
    return any(d.rule == "schema-violation" and _STEP_NOT_OBJECT.match(d.message) for d in found)


def read_file(path: str | Path) -> str:
    """A flow's or a request's text; CompileError with an `unreadable-file` finding (placed at
    the first byte that is not UTF-8, when that is why) when it cannot be read."""
    from ivrc.checks import unreadable_file
    from ivrc.language.files import Unreadable, read_text

    try:
        return read_text(Path(path))
    except Unreadable as problem:
        raise CompileError([unreadable_file.diagnose(problem)]) from None


def parse(text: str, *, path: str = "<string>") -> ast.Flow:
    """The AST of .ivr text; CompileError lists the syntax errors when it does not parse."""
    parsed = _parse(text, path)
    if parsed.flow is None or parsed.diagnostics:
        raise CompileError(list(parsed.diagnostics))
    return parsed.flow


def lint(
    text: str, *, path: str = "<string>", region: str | None = None, config: Config | None = None
) -> list[Diagnostic]:
    """Every finding in .ivr text: syntax errors, or else the checks' findings."""
    return list(analyze(text, path=path, region=region, config=config, findings_only=True).diagnostics)


def compile(
    text: str, *, path: str = "<string>", region: str | None = None, config: Config | None = None
) -> dict[str, Any]:  # noqa: A001
    """The request dict for .ivr text, ready for `dumps`; CompileError when it has errors."""
    result = analyze(text, path=path, region=region, config=config, emit_request=True)
    if result.request is None:
        raise CompileError(list(result.diagnostics))
    return result.request


class FormatError(Exception):
    """The formatter's output would not mean what its input meant: a bug in ivrc, never silent."""


def fmt(text: str, *, path: str = "<string>") -> str:
    """The canonical layout of .ivr text, comments kept; CompileError when it does not parse.
    The result is parsed again and must have the same meaning and comments, or FormatError."""
    from collections import Counter

    from ivrc.language.canonical import canonical_flow
    from ivrc.language.printer import format_flow, shape

    flow = parse(text, path=path)
    formatted = format_flow(flow, text)
    reparsed = _parse(formatted, path)
    again = None if reparsed.diagnostics else reparsed.flow
    # Statements may move into the canonical order, and their comments with them: the same
    # tree in that order, and the same comments, or nothing is written.
    same_comments = (
        Counter(c.text.rstrip() for c in again.comments) == Counter(c.text.rstrip() for c in flow.comments)
        if again
        else False
    )
    if again is None or shape(again) != shape(canonical_flow(flow)) or not same_comments:
        raise FormatError(f"{path}: formatting would change the file's meaning or comments; it is left as it is")
    return formatted


def decompile(text: str, *, path: str = "<string>", region: str | None = None) -> str:
    """The .ivr text of a JSON request; CompileError lists what cannot be written as .ivr."""
    from ivrc.build.decompiler import decompile as run

    written, problems = run(text, region=region)
    if written is None:
        raise CompileError([d._replace(path=path) for d in problems])
    return written


def request_of(text: str, *, path: str = "<string>", config: Config | None = None, recipients: bool = False) -> Result:
    """The request a file stands for: a .ivr compiled (its findings included), or a JSON
    request read as the service reads it (api-notes 2, 3). `request` is None when there is none;
    with `recipients`, a template flow comes back as `template`."""
    if not is_json(text, path):
        return analyze(text, path=path, config=config, emit_request=True, recipients=recipients)
    # Only a request that passed the checks is given out: the simulator and the flow tests
    # trust its types (a `steps` that is a list, numbers that are finite).
    return analyze(text, path=path, config=config, emit_request=True)
