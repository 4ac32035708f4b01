"""`ivrc lsp`: a Language Server Protocol server for .ivr over stdio, built on pygls.

It reuses everything the CLI has: the linter's diagnostics and configuration, the formatter,
the rule docs. Every handler is guarded: a bug is logged to the client and the server goes on.

This module holds the server itself: positions, checking a document as it is edited, and
publishing its diagnostics. What an editor asks about a flow (definitions, completion, hover,
formatting, colours, quick fixes) is in `ivrc.lsp.features`, which builds on this module and
starts the server with its handlers (`ivrc.lsp.features.serve`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from ivrc import __version__
from ivrc.language.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:  # the syntax tree's classes take 15 ms to make; `initialize` is answered first
    from ivrc.language import ast

DEBOUNCE = 0.05  # seconds of quiet typing before a check is published
_SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


F = TypeVar("F", bound=Callable[..., Any])


def rules() -> dict[str, Any]:
    """The rules by name. The checks (and the parser and numbering data they load) are imported
    when first needed, not at the start: an editor waits for the answer to `initialize`."""
    from ivrc.checks import BY_NAME

    return BY_NAME


class IvrServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ivrc", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.results: dict[str, tuple[str, Any]] = {}  # uri -> (text, analysis) of the last check
        self.reuse: dict[str, Any] = {}  # uri -> the parsed blocks of its last check (ivrc.language.incremental)
        # Checks after edits run here, one at a time, so that the event loop keeps answering.
        self.checker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ivrc-check")


server = IvrServer()


def guarded(default: Any = None) -> Callable[[F], F]:
    """Log anything unexpected to the client and answer `default`: the server keeps running."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            except Exception:
                server.window_log_message(
                    lsp.LogMessageParams(
                        type=lsp.MessageType.Error,
                        message=f"ivrc: {handler.__name__} failed:\n{traceback.format_exc()}",
                    )
                )
                return default

        return inner  # type: ignore[return-value]

    return wrap


# ---- positions: ivrc counts code points from 1; LSP counts UTF-16 units from 0 ----------------


def utf16_units(line: str, column: int) -> int:
    return len(line[: max(column - 1, 0)].encode("utf-16-le")) // 2


def code_point_column(line: str, character: int) -> int:
    """The 1-based code-point column of an LSP character offset on this line."""
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index + 1
        units += len(char.encode("utf-16-le")) // 2
    return len(line) + 1


def to_range(lines: list[str], span: ast.Span) -> lsp.Range:
    def position(line: int, column: int) -> lsp.Position:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return lsp.Position(line=line - 1, character=utf16_units(text, column))

    return lsp.Range(
        start=position(span.line, span.column), end=position(span.end_line, max(span.end_column, span.column))
    )


def inside(span: ast.Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


# ---- checking ----------------------------------------------------------------------------------


def _analyze(uri: str, text: str, say: Callable[[lsp.LogMessageParams], None] | None = None) -> Any:
    """The document checked. A problem with the configuration is said through `say` (the
    client's log, by default; a worker thread passes its own, to say it from the event loop)."""
    from ivrc.build.library import analyze
    from ivrc.language.config import ConfigError, for_file

    path = to_fs_path(uri) or uri
    try:
        config = for_file(Path(path))
    except ConfigError as error:
        (say or server.window_log_message)(lsp.LogMessageParams(type=lsp.MessageType.Warning, message=f"ivrc: {error}"))
        from ivrc.language.config import Config

        config = Config()
    if path.endswith(".json"):
        return analyze(text, path=path, config=config)
    from ivrc.language.incremental import Reuse

    return analyze(text, path=path, config=config, reuse=server.reuse.setdefault(uri, Reuse()))


def _diagnostic(lines: list[str], d: Diagnostic) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=to_range(lines, d.span),
        message=d.message + (f"\nhelp: {d.help}" if d.help else ""),
        severity=_SEVERITIES[d.severity],
        code=d.rule,
        source="ivrc",
        data={"help": d.help},
    )


def check_now(ls: IvrServer, uri: str) -> None:
    document = ls.workspace.get_text_document(uri)
    text = document.source
    _publish(ls, uri, text, _analyze(uri, text), document.version)


def _publish(ls: IvrServer, uri: str, text: str, result: Any, version: int | None) -> None:
    ls.results[uri] = (text, result)
    lines = text.split("\n")
    diagnostics = [_diagnostic(lines, d) for d in result.diagnostics]
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
    )


async def _check_later(ls: IvrServer, uri: str) -> None:
    """Check at once, off the event loop, and publish once typing has paused for DEBOUNCE: on
    a big flow the check is done by the time the pause is over. One check runs at a time; a
    check of a text that has changed since is skipped."""
    document = ls.workspace.get_text_document(uri)
    text, version = document.source, document.version
    said: list[lsp.LogMessageParams] = []  # the client is written to from the event loop only

    def check() -> Any:
        if ls.workspace.get_text_document(uri).source != text:
            return None  # typed over already: a later check will run
        try:
            return _analyze(uri, text, said.append)
        except Exception:
            said.append(
                lsp.LogMessageParams(
                    type=lsp.MessageType.Error, message=f"ivrc: check failed:\n{traceback.format_exc()}"
                )
            )
            return None

    work = asyncio.get_running_loop().run_in_executor(ls.checker, check)
    await asyncio.sleep(DEBOUNCE)
    result = await work
    for message in said:
        ls.window_log_message(message)
    if result is not None and ls.workspace.get_text_document(uri).source == text:
        guarded()(_publish)(ls, uri, text, result, version)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: IvrServer, params: lsp.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    if not from_lint_cache(ls, document.uri, document.text, document.version):
        check_now(ls, document.uri)


def from_lint_cache(ls: IvrServer, uri: str, text: str, version: int | None) -> bool:
    """Publish what `ivrc lint` kept for a file opened as it is saved, as a plain `ivrc lint
    PATH` run from the top of the workspace (a pre-commit hook's run) keyed it: the findings
    are there at once, and the file is parsed only when a feature needs it. False when there
    is no such entry."""
    from ivrc.insight.lint_cache import FOLDER, PLAIN_FLAGS, LintCache, reports_of
    from ivrc.language.config import ConfigError, for_file

    path, root = to_fs_path(uri), ls.workspace.root_path
    if not path or not root:
        return False
    try:
        relative = Path(path).relative_to(root)
        if Path(path).read_text(encoding="utf-8") != text:
            return False  # opened with changes not saved: the entry is not of this text
        config = for_file(Path(path))
    except (ValueError, OSError, ConfigError):
        return False
    cache = LintCache(None if config.source is not None else Path(root) / FOLDER, enabled=True)
    key = cache.key(relative, text, config, PLAIN_FLAGS, None)
    kept = cache.get(config, key) if key is not None else None
    if kept is None:
        return False
    own = [d for report in reports_of(kept, relative, text) if report.path == str(relative) for d in report.diagnostics]
    lines = text.split("\n")
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[_diagnostic(lines, d) for d in own], version=version)
    )
    return True


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
@guarded()
def did_save(ls: IvrServer, params: lsp.DidSaveTextDocumentParams) -> None:
    check_now(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: IvrServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    previous = ls.pending.pop(uri, None)
    if previous is not None:
        previous.cancel()
    ls.pending[uri] = asyncio.ensure_future(_check_later(ls, uri))


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: IvrServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.results.pop(params.text_document.uri, None)
    ls.reuse.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def current(ls: IvrServer, uri: str) -> tuple[str, Any]:
    """The document's text and its analysis, fresh."""
    text = ls.workspace.get_text_document(uri).source
    cached = ls.results.get(uri)
    if cached is None or cached[0] != text:
        cached = (text, _analyze(uri, text))
        ls.results[uri] = cached
    return cached
