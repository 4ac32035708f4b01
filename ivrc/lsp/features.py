"""What an editor asks of a flow in `ivrc lsp`: where a step or a recipient field is defined,
its references and a rename, the outline, completion, hover, formatting, semantic colours and
quick fixes (those three in `ivrc.lsp.editing`). Each handler registers itself on
`ivrc.lsp.server.server` and is guarded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from ivrc.lsp.editing import STRING
from ivrc.lsp.hovers import markdown, phone_at, prompt_at  # importing it also registers its handlers
from ivrc.lsp.server import IvrServer, code_point_column, current, guarded, inside, rules, server, to_range
from ivrc.lsp.words import (
    ACTION_KEYWORDS,
    DIALER_KEYWORDS,
    KEYWORD_DOCS,
    SIMPLE_KEYWORDS,
    STEP_KEYWORDS,
    TOP_KEYWORDS,
)

if TYPE_CHECKING:  # made when a document first needs them, after `initialize` (15 ms)
    from ivrc.language import ast

# ---- steps: definition, references, rename, symbols ------------------------------------------------


def _step_names(flow: ast.Flow | None) -> list[tuple[str, ast.Span, bool]]:
    """Every step name in the file: (name, span, is the definition)."""
    if flow is None:
        return []
    from ivrc.language import ast

    found = []
    for step in flow.steps:
        found.append((step.name.text, step.name.span, True))
        for handler in step.handlers:
            for action in handler.actions:
                if isinstance(action, ast.Goto):
                    found.append((action.target.text, action.target.span, False))
    return found


def _name_at(flow: ast.Flow | None, position: lsp.Position, lines: list[str]) -> str | None:
    line = position.line + 1
    column = code_point_column(lines[position.line] if position.line < len(lines) else "", position.character)
    return next((name for name, span, _ in _step_names(flow) if inside(span, line, column)), None)


# ---- recipient fields: completion, hover, and the header column they name ---------------------------


def _recipients_header(uri: str) -> tuple[Path, dict[str, tuple[int, int]]] | None:
    """The configured recipients file and its columns, each with its line and column."""
    from ivrc.build.recipients import Recipients, RecipientsError
    from ivrc.language.config import ConfigError, for_file
    from ivrc.language.files import Unreadable

    try:
        path = for_file(Path(to_fs_path(uri) or uri)).recipients
    except ConfigError:
        return None
    if path is None:
        return None
    try:
        with Recipients(path) as recipients:
            if recipients.kind == "jsonl":
                next(recipients.rows(), None)  # the first line names the keys
            return path, {cell.value: (cell.line, cell.column) for cell in recipients.header}
    except (RecipientsError, Unreadable, OSError):
        return None


def _field_at(flow: ast.Flow | None, line: int, column: int) -> ast.Field | None:
    if flow is None or not flow.requests:
        return None
    from ivrc.language import model as semantics

    return next((use.field for use in semantics.build(flow).fields if inside(use.field.span, line, column)), None)


def _at(
    ls: IvrServer, params: lsp.TextDocumentPositionParams | lsp.DefinitionParams | lsp.HoverParams
) -> tuple[Any, list[str], str, int, int]:
    """The document's analysis and lines, and the cursor: its line's text, 1-based line and column."""
    text, result = current(ls, params.text_document.uri)
    lines = text.split("\n")
    line_text = lines[params.position.line] if params.position.line < len(lines) else ""
    return result, lines, line_text, params.position.line + 1, code_point_column(line_text, params.position.character)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@guarded()
def definition(ls: IvrServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    result, lines, _, line, column = _at(ls, params)
    field = _field_at(result.flow, line, column)
    if field is not None:
        header = _recipients_header(params.text_document.uri)
        if header is None or field.name not in header[1]:
            return None
        at_line, at_column = header[1][field.name]
        start = lsp.Position(line=at_line - 1, character=at_column - 1)
        return lsp.Location(
            uri=header[0].resolve().as_uri(),
            range=lsp.Range(start=start, end=lsp.Position(line=at_line - 1, character=at_column - 1 + len(field.name))),
        )
    wanted = _name_at(result.flow, params.position, lines)
    for name, span, defines in _step_names(result.flow):
        if defines and name == wanted:
            return lsp.Location(uri=params.text_document.uri, range=to_range(lines, span))
    return None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@guarded(default=[])
def references(ls: IvrServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    text, result = current(ls, params.text_document.uri)
    lines = text.split("\n")
    wanted = _name_at(result.flow, params.position, lines)
    include = params.context.include_declaration
    return [
        lsp.Location(uri=params.text_document.uri, range=to_range(lines, span))
        for name, span, defines in _step_names(result.flow)
        if name == wanted and (include or not defines)
    ]


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
@guarded()
def rename(ls: IvrServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    text, result = current(ls, params.text_document.uri)
    lines = text.split("\n")
    wanted = _name_at(result.flow, params.position, lines)
    if wanted is None or not params.new_name:
        return None
    from ivrc.language import printer

    new = printer.name(params.new_name)
    edits = [
        lsp.TextEdit(range=to_range(lines, span), new_text=new)
        for name, span, _ in _step_names(result.flow)
        if name == wanted
    ]
    return lsp.WorkspaceEdit(changes={params.text_document.uri: edits})


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded(default=[])
def symbols(ls: IvrServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    from ivrc.language import ast

    text, result = current(ls, params.text_document.uri)
    lines = text.split("\n")
    found = []
    for item in result.flow.items if result.flow else ():
        if isinstance(item, ast.Step):
            found.append(
                lsp.DocumentSymbol(
                    name=item.name.text,
                    kind=lsp.SymbolKind.Function,
                    range=to_range(lines, item.span),
                    selection_range=to_range(lines, item.name.span),
                    detail="step",
                )
            )
        elif isinstance(item, ast.Request):
            detail = item.unique_id.value if item.unique_id else None
            found.append(
                lsp.DocumentSymbol(
                    name=item.kind,
                    kind=lsp.SymbolKind.Module,
                    range=to_range(lines, item.span),
                    selection_range=to_range(lines, item.keyword.span),
                    detail=detail,
                )
            )
    return found


# ---- completion ------------------------------------------------------------------------------------


def _block(text: str) -> str:
    """Which block the cursor is in, by the keyword before each open brace: top, dialer,
    simple_dialer, step or handler."""
    plain = re.sub(r"#[^\n]*", "", STRING.sub('""', text))
    stack: list[str] = []
    for match in re.finditer(r"[{}]", plain):
        if match.group() == "}":
            if stack:
                stack.pop()
            continue
        before = plain[: match.start()].rstrip()
        kind = (
            "handler"
            if re.search(r"\bon\s+\S+$", before)
            else next(
                (k for k in ("simple_dialer", "dialer", "step") if re.search(rf"\b{k}\b[^{{}}]*$", before)), "top"
            )
        )
        stack.append(kind)
    return stack[-1] if stack else "top"


def _items(words: list[str], kind: lsp.CompletionItemKind) -> list[lsp.CompletionItem]:
    return [
        lsp.CompletionItem(word, kind=kind, documentation=KEYWORD_DOCS.get(word.split()[0], ("", None))[0] or None)
        for word in words
    ]


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" ", "[", "$", ","]))
@guarded(default=[])
def completion(ls: IvrServer, params: lsp.CompletionParams) -> list[lsp.CompletionItem]:
    text, result = current(ls, params.text_document.uri)
    lines = text.split("\n")
    line = lines[params.position.line] if params.position.line < len(lines) else ""
    before = line[: code_point_column(line, params.position.character) - 1]
    upto = "\n".join(lines[: params.position.line] + [before])
    if re.search(r"\brecipient\.\w*$", before):
        header = _recipients_header(params.text_document.uri)
        used = {u.field.name for u in semantics_fields(result.flow)}
        names = list(header[1]) if header else []
        names += sorted(used - set(names))
        where = f"a column of {header[0].name}" if header else "a column of the recipients file"
        return [lsp.CompletionItem(n, kind=lsp.CompletionItemKind.Field, detail=where) for n in names]
    if re.search(r"(=|\bnumber|\bcall)\s+\w*$", before) and not re.search(r"\bkeys\b", before):
        extra = [
            lsp.CompletionItem(
                "recipient.",
                kind=lsp.CompletionItemKind.Module,
                detail="a value each recipient has (a column of the recipients file)",
            )
        ]
    else:
        extra = []
    if re.search(r"#\s*ivrc:\s*ignore\[[^\]]*$", before):
        return [
            lsp.CompletionItem(
                name, kind=lsp.CompletionItemKind.Value, detail=rule.severity.value, documentation=rule.summary
            )
            for name, rule in rules().items()
        ]
    placeholder = re.search(r'\bsay\s+"[^"]*\$([A-Za-z0-9_]*)$', before)
    if placeholder:
        names = re.findall(r"(\w+)\s*=", line.split(" with ", 1)[1]) if " with " in line else []
        return [lsp.CompletionItem(f"{n}$", kind=lsp.CompletionItemKind.Variable) for n in names]
    if before.count('"') % 2 == 1 or "#" in before.replace('"#"', ""):
        return []  # inside a text or a comment
    if re.search(r"\bgoto\s+\S*$", before):
        from ivrc.language import printer

        return [
            lsp.CompletionItem(printer.name(s.name.text), kind=lsp.CompletionItemKind.Function)
            for s in (result.flow.steps if result.flow else [])
        ]
    if re.search(r"\bvoice\s+\S*$", before):
        return _items(["male", "female"], lsp.CompletionItemKind.EnumMember)
    if re.search(r"\bmark\s+\S*$", before):
        return _items(["remove", "custom"], lsp.CompletionItemKind.Keyword)
    words = {
        "top": TOP_KEYWORDS,
        "dialer": DIALER_KEYWORDS,
        "simple_dialer": SIMPLE_KEYWORDS,
        "step": STEP_KEYWORDS,
        "handler": ACTION_KEYWORDS,
    }[_block(upto)]
    if re.search(r"->\s*\S*$", before):
        words = ACTION_KEYWORDS
    if extra:
        return extra
    return _items(words, lsp.CompletionItemKind.Keyword)


def semantics_fields(flow: ast.Flow | None) -> list[Any]:
    if flow is None or not flow.requests:
        return []
    from ivrc.language import model as semantics

    return semantics.build(flow).fields


# ---- hover ------------------------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@guarded()
def hover(ls: IvrServer, params: lsp.HoverParams) -> lsp.Hover | None:
    result, _, line_text, line, column = _at(ls, params)
    for d in result.diagnostics:
        if inside(d.span, line, column) and d.rule in rules():
            return markdown(f"**{d.rule}** ({d.severity.value})\n\n{rules()[d.rule].docs}")
    number = phone_at(result.flow, line, column)
    if number is not None:
        return number
    said = prompt_at(result.flow, line, column)
    if said is not None:
        return said
    field = _field_at(result.flow, line, column)
    if field is not None:
        header = _recipients_header(params.text_document.uri)
        if header is None:
            return markdown(
                f"**{field.written}**: each recipient's value of `{field.name}`; set `recipients` in ivrc.toml or "
                "[tool.ivrc] to check it here"
            )
        if field.name not in header[1]:
            return markdown(f"**{field.written}**: {header[0].name} has no column `{field.name}`")
        at_line, at_column = header[1][field.name]
        return markdown(
            f"**{field.written}**: each recipient's value in the column `{field.name}` of {header[0].name} (line "
            f"{at_line}, column {at_column})"
        )
    for match in re.finditer(r"[A-Za-z_]+", line_text):
        if (
            match.start() < column <= match.end() + 1
            and match.group() in KEYWORD_DOCS
            and not _in_string(line_text, match.start())
        ):
            words, api_field = KEYWORD_DOCS[match.group()]
            return markdown(f"**{match.group()}**: {words}" + (f"\n\nAPI field: `{api_field}`" if api_field else ""))
    return None


def _in_string(line: str, index: int) -> bool:
    return line[:index].count('"') % 2 == 1


def serve() -> None:
    """`ivrc lsp`: the server over stdio, with the handlers of this module and of `ivrc.lsp.server`."""
    from ivrc.language.memory import ends_with_its_command

    ends_with_its_command(False)  # a server: what it reads is collected as usual
    server.start_io()
