"""The edits `ivrc lsp` offers an editor: formatting, semantic colours, and quick fixes (a
suppression comment, the removal of an unused one). Each handler registers itself on
`ivrc.lsp.server.server` and is guarded; `ivrc.lsp.features` imports this module."""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from ivrc.lsp.server import IvrServer, guarded, rules, server, utf16_units

TOKEN_TYPES = ["keyword", "string", "number", "comment", "function", "enumMember", "operator"]
STRING = re.compile(r'"([^"\\\n]|\\.)*"?')  # a quoted text, closed or not


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@guarded(default=[])
def formatting(ls: IvrServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
    from ivrc.build.library import CompileError, FormatError, fmt

    text = ls.workspace.get_text_document(params.text_document.uri).source
    try:
        formatted = fmt(text)
    except (CompileError, FormatError):
        return []  # a file that does not parse is left as it is
    if formatted == text:
        return []
    lines = text.split("\n")
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=len(lines), character=0))
    return [lsp.TextEdit(range=whole, new_text=formatted)]


def _tokens(text: str) -> list[tuple[int, int, int, int]]:
    """(line, start column, length, type) of each token the lexer reads, up to an error."""
    from lark import Token

    from ivrc.language.parser import lark_parser

    kinds = {"STRING": 1, "INT": 2, "KEY": 2, "DURATION": 2, "TIME": 2, "GENDER": 5, "NAME": 4}
    found: list[tuple[int, int, int, int]] = []
    parser = lark_parser()
    interactive = parser.parse_interactive(text)
    try:
        for token in interactive.iter_parse():
            assert isinstance(token, Token)
            kind = kinds.get(token.type)
            if kind is None:
                kind = 6 if not str(token)[:1].isalpha() else 0
            found.append((token.line or 1, token.column or 1, len(str(token)), kind))
    except Exception:  # stop colouring at the first error
        pass
    for match in re.finditer(r"#[^\n]*", STRING.sub(lambda m: " " * len(m.group()), text)):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        found.append((line, column, len(match.group()), 3))
    return sorted(set(found))


@server.feature(
    lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=[])
)
@guarded(default=lsp.SemanticTokens(data=[]))
def semantic_tokens(ls: IvrServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    lines = text.split("\n")
    data: list[int] = []
    previous_line, previous_start = 0, 0
    for line, column, length, kind in _tokens(text):
        source = lines[line - 1] if line <= len(lines) else ""
        start = utf16_units(source, column)
        size = utf16_units(source, column + length) - start
        delta_line = line - 1 - previous_line
        delta_start = start - previous_start if delta_line == 0 else start
        data += [delta_line, delta_start, size, kind, 0]
        previous_line, previous_start = line - 1, start
    return lsp.SemanticTokens(data=data)


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
@guarded(default=[])
def code_actions(ls: IvrServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    lines = text.split("\n")
    actions = []
    for d in params.context.diagnostics:
        help_text = (d.data or {}).get("help") if isinstance(d.data, dict) else None
        if d.code == "dangling-goto" and help_text:
            match = re.search(r"did you mean `([^`]+)`", help_text)
            if match:
                from ivrc.language import printer

                edit = lsp.TextEdit(range=d.range, new_text=printer.name(match.group(1)))
                actions.append(
                    lsp.CodeAction(
                        f"Change to `{match.group(1)}`",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[d],
                        edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
                        is_preferred=True,
                    )
                )
        if d.code == "unreachable-action":
            actions.append(
                lsp.CodeAction(
                    "Remove the actions that never run",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    edit=lsp.WorkspaceEdit(changes={uri: [_removal(lines, d.range)]}),
                )
            )
        if d.code and d.code in rules() and d.code != "syntax-error":
            row = d.range.start.line
            here = lines[row] if row < len(lines) else ""
            indent = here[: len(here) - len(here.lstrip())]
            comment = lsp.TextEdit(
                range=lsp.Range(start=lsp.Position(line=row, character=0), end=lsp.Position(line=row, character=0)),
                new_text=f"{indent}# ivrc: ignore[{d.code}]\n",
            )
            actions.append(
                lsp.CodeAction(
                    f"Suppress {d.code} on this line",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    edit=lsp.WorkspaceEdit(changes={uri: [comment]}),
                )
            )
    return actions


def _removal(lines: list[str], span: lsp.Range) -> lsp.TextEdit:
    """Remove a run of actions with the separator before it (`; …` on one line, whole lines else)."""
    start, end = span.start, span.end
    first = lines[start.line]
    head = first[: start.character].rstrip()
    if head.endswith(";"):
        return lsp.TextEdit(
            range=lsp.Range(start=lsp.Position(line=start.line, character=len(head) - 1), end=end), new_text=""
        )
    if not head.strip():
        return lsp.TextEdit(
            range=lsp.Range(
                start=lsp.Position(line=start.line, character=0), end=lsp.Position(line=end.line + 1, character=0)
            ),
            new_text="",
        )
    return lsp.TextEdit(range=span, new_text="")
