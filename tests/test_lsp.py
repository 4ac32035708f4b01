"""`ivrc lsp` driven as an editor drives it: a subprocess speaking LSP over stdio."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

FLOW = """\
region IL
dialer "lsp" { return_address "https://example.com/r"; numbers from queue }

step menu {
    say "Hello $name$" with name = "Dana"
    on 1 -> goto sales
    on 2 -> call "054-600-0000" cli "03-000-0000"
    on 3 { hangup; play "never" }
}

step sales {
    say "Sales"
    on 1 -> goto menu
    on 9 -> hangup
}
"""


class Session:
    """A client on a fresh server, collecting the diagnostics it is sent."""

    def __init__(self, folder: Path) -> None:
        self.client = LanguageClient("ivrc-tests", "1")
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}
        self.logs: list[str] = []
        self.changed = asyncio.Event()
        self.folder = folder

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = params.diagnostics
            self.changed.set()

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def logged(params: lsp.LogMessageParams) -> None:
            self.logs.append(params.message)

    async def start(self) -> lsp.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "ivrc", "lsp")
        result = await self.client.initialize_async(
            lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=self.folder.as_uri())
        )
        self.client.initialized(lsp.InitializedParams())
        return result

    async def opened(self, flow: Path, text: str) -> str:
        """The flow written, started, opened in the editor and first checked; its uri."""
        flow.write_text(text, encoding="utf-8")
        uri = flow.as_uri()
        await self.start()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="ivr", version=1, text=text)
            )
        )
        await self.diagnostics_for(uri)
        return uri

    async def diagnostics_for(self, uri: str, timeout: float = 20) -> list[lsp.Diagnostic]:
        self.changed.clear()
        await asyncio.wait_for(self.changed.wait(), timeout)
        return self.diagnostics[uri]

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def test_a_full_editing_session(tmp_path: Path):
    async def session() -> None:
        flow = tmp_path / "menu.ivr"
        flow.write_text(FLOW, encoding="utf-8")
        uri = flow.as_uri()
        s = Session(tmp_path)
        capabilities = (await s.start()).capabilities
        assert (
            capabilities.definition_provider
            and capabilities.rename_provider
            and capabilities.document_formatting_provider
        )
        doc = lsp.TextDocumentIdentifier(uri=uri)

        s.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="ivr", version=1, text=FLOW)
            )
        )
        found = await s.diagnostics_for(uri)
        assert [(d.code, d.range.start.line, d.range.start.character) for d in found] == [("unreachable-action", 7, 19)]
        removal = await s.client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                range=found[0].range,
                context=lsp.CodeActionContext(diagnostics=found),
            )
        )
        edit = next(a for a in removal if a.title == "Remove the actions that never run").edit.changes[uri][0]
        line = FLOW.split("\n")[7]
        assert line[: edit.range.start.character] + line[edit.range.end.character :] == "    on 3 { hangup }"

        # Introduce an error, then fix it: diagnostics follow, after the typing pause.
        typo = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=5, character=17), end=lsp.Position(line=5, character=22)),
            text="slaes",
        )
        s.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2), content_changes=[typo]
            )
        )
        found = await s.diagnostics_for(uri)
        dangling = next(d for d in found if d.code == "dangling-goto")
        assert (dangling.range.start.line, dangling.range.start.character, dangling.range.end.character) == (5, 17, 22)
        actions = await s.client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=doc, range=dangling.range, context=lsp.CodeActionContext(diagnostics=[dangling])
            )
        )
        fix = next(a for a in actions if a.title == "Change to `sales`")
        assert fix.edit.changes[uri][0].new_text == "sales"
        assert any(a.title == "Suppress dangling-goto on this line" for a in actions)
        back = lsp.TextDocumentContentChangePartial(range=dangling.range, text="sales")
        s.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=3), content_changes=[back]
            )
        )
        assert "dangling-goto" not in {d.code for d in await s.diagnostics_for(uri)}

        # Completion: step names after goto, keywords that fit the block.
        async def labels(line: int, character: int) -> list[str]:
            result = await s.client.text_document_completion_async(
                lsp.CompletionParams(text_document=doc, position=lsp.Position(line=line, character=character))
            )
            items = result.items if isinstance(result, lsp.CompletionList) else result
            return [i.label for i in items or []]

        assert await labels(5, 17) == ["menu", "sales"]
        assert "on" in await labels(11, 4) and "hangup" not in await labels(11, 4)

        definition = await s.client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc, position=lsp.Position(line=5, character=19))
        )
        assert definition.range.start.line == 10
        refs = await s.client.text_document_references_async(
            lsp.ReferenceParams(
                text_document=doc,
                position=lsp.Position(line=10, character=6),
                context=lsp.ReferenceContext(include_declaration=True),
            )
        )
        assert sorted(r.range.start.line for r in refs) == [5, 10]
        renamed = await s.client.text_document_rename_async(
            lsp.RenameParams(text_document=doc, position=lsp.Position(line=10, character=6), new_name="shop")
        )
        assert sorted((e.range.start.line, e.new_text) for e in renamed.changes[uri]) == [(5, "shop"), (10, "shop")]

        hover = await s.client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=lsp.Position(line=4, character=5))
        )
        assert "prompt" in hover.contents.value
        number = await s.client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=lsp.Position(line=6, character=20))
        )
        assert "+972546000000" in number.contents.value
        rule = await s.client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=lsp.Position(line=7, character=21))
        )
        assert rule.contents.value.startswith("**unreachable-action** (warning)")

        outline = await s.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc))
        assert [o.name for o in outline] == ["dialer", "menu", "sales"]

        edits = await s.client.text_document_formatting_async(
            lsp.DocumentFormattingParams(
                text_document=doc, options=lsp.FormattingOptions(tab_size=4, insert_spaces=True)
            )
        )
        assert "    on 3 {\n        hangup\n" in edits[0].new_text

        tokens = await s.client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=doc))
        assert len(tokens.data) % 5 == 0 and len(tokens.data) > 50
        assert list(tokens.data[:5]) == [0, 0, 6, 0, 0], "`region` is a keyword"

        assert s.logs == []
        await s.stop()

    asyncio.run(session())


def test_completion_in_suppressions_and_placeholders(tmp_path: Path):
    async def session() -> None:
        text = 'step a {\n    say "Hi $" with name = "x"\n    # ivrc: ignore[\n}\n'
        uri = (tmp_path / "a.ivr").as_uri()
        s = Session(tmp_path)
        await s.start()
        s.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="ivr", version=1, text=text)
            )
        )
        await s.diagnostics_for(uri)
        doc = lsp.TextDocumentIdentifier(uri=uri)
        rules = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=lsp.Position(line=2, character=19))
        )
        assert "dangling-goto" in [i.label for i in rules]
        names = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=lsp.Position(line=1, character=13))
        )
        assert [i.label for i in names] == ["name$"]
        await s.stop()

    asyncio.run(session())


edits = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.integers(0, 8),
        st.sampled_from(
            ["", "{", "}", '"', "on 1 ->", "goto", "\n", "step x {", "#", "..", "ש", "😀", 'say "$a$" with']
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(edits)
def test_random_edits_never_stop_the_server(changes):
    async def session() -> None:
        folder = Path(sys.prefix)
        uri = "file:///tmp/fuzz.ivr"
        s = Session(folder)
        await s.start()
        text = (EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8")
        s.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="ivr", version=1, text=text)
            )
        )
        for version, (offset, length, insert) in enumerate(changes, start=2):
            offset = min(offset, len(text))
            text = text[:offset] + insert + text[offset + length :]
            s.client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            doc = lsp.TextDocumentIdentifier(uri=uri)
            await s.client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc))
            await s.client.text_document_hover_async(
                lsp.HoverParams(text_document=doc, position=lsp.Position(line=3, character=3))
            )
            await s.client.text_document_completion_async(
                lsp.CompletionParams(text_document=doc, position=lsp.Position(line=2, character=1))
            )
            await s.client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=doc))
        assert not any("failed" in log for log in s.logs), s.logs
        await s.stop()

    asyncio.run(session())


def test_neovim_shows_the_diagnostics(tmp_path: Path):
    """A real editor: headless Neovim's built-in LSP client opens a flow with a defect."""
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is installed by .ci/run"
    flow = tmp_path / "flow.ivr"
    flow.write_text(FLOW.replace("goto sales", "goto slaes"), encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    script = tmp_path / "check.lua"
    script.write_text(
        f"""
local client = vim.lsp.start_client({{ cmd = {{ {json.dumps(sys.executable)}, "-m", "ivrc", "lsp" }}, root_dir = {json.dumps(str(tmp_path))}, name = "ivrc" }})
vim.cmd("edit " .. {json.dumps(str(flow))})
vim.lsp.buf_attach_client(0, client)
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local found = {{}}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(found, {{ line = d.lnum, col = d.col, message = d.message, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) }})
end
local file = io.open({json.dumps(str(out))}, "w")
file:write(vim.fn.json_encode(found))
file:close()
vim.lsp.stop_client(client)
vim.cmd("qa!")
""",
        encoding="utf-8",
    )
    subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-c", f"luafile {script}"], timeout=60, check=True, capture_output=True
    )
    found = json.loads(out.read_text(encoding="utf-8"))
    messages = {(d["line"], d["col"], d["code"]) for d in found}
    assert (5, 17, "dangling-goto") in messages
    assert any("did you mean `sales`?" in d["message"] for d in found)


def test_recipient_fields_complete_hover_and_lead_to_their_column(tmp_path: Path):
    async def session() -> None:
        (tmp_path / "ivrc.toml").write_text('recipients = "people.csv"\n', encoding="utf-8")
        (tmp_path / "people.csv").write_text("id,name,phone\n1,Dana,054-600-0001\n", encoding="utf-8")
        text = (
            'region IL\ndialer "p" { return_address "https://example.com/r"; number recipient.phone }\n'
            'step a {\n    say "Hi $name$" with name = recipient.name\n    on 1 -> call recipient. cli "03-000-0000"\n}\n'
        )
        s = Session(tmp_path)
        uri = await s.opened(tmp_path / "p.ivr", text)
        doc = lsp.TextDocumentIdentifier(uri=uri)
        columns = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=lsp.Position(line=4, character=27))
        )
        assert [i.label for i in columns][:3] == ["id", "name", "phone"]
        offered = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=lsp.Position(line=3, character=32))
        )
        assert "recipient." in [i.label for i in offered]
        hovered = await s.client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=lsp.Position(line=3, character=36))
        )
        assert hovered is not None and "column `name` of people.csv (line 1, column 4)" in hovered.contents.value
        prompt = await s.client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=lsp.Position(line=3, character=10))
        )
        assert prompt is not None and "Said in about **" in prompt.contents.value  # how long it takes to say
        found = await s.client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc, position=lsp.Position(line=1, character=68))
        )
        assert found is not None and found.uri == (tmp_path / "people.csv").resolve().as_uri()
        assert (found.range.start.line, found.range.start.character, found.range.end.character) == (0, 8, 13)
        await s.stop()

    asyncio.run(session())


def test_checks_after_edits_run_off_the_event_loop_and_say_config_problems(tmp_path: Path):
    # A malformed configuration: the check after an edit runs on a worker thread, and what it
    # has to say reaches the client's log from the event loop; the diagnostics still come.
    (tmp_path / "ivrc.toml").write_text("region = [\n", encoding="utf-8")

    async def session() -> None:
        s = Session(tmp_path)
        uri = await s.opened(tmp_path / "menu.ivr", FLOW)
        s.logs.clear()
        # Two quick edits: the first check's text is stale by the time it would publish.
        for version, name in ((2, "slaes"), (3, "salse")):
            change = lsp.TextDocumentContentChangePartial(
                range=lsp.Range(start=lsp.Position(line=5, character=17), end=lsp.Position(line=5, character=22)),
                text=name,
            )
            s.client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
        found = await s.diagnostics_for(uri)
        dangling = [d for d in found if d.code == "dangling-goto"]
        assert [d.message for d in dangling] == [
            "`goto` names a step that does not exist: `salse`\nhelp: did you mean `sales`?"
        ]
        assert any(log.startswith("ivrc: ") and "ivrc.toml" in log for log in s.logs), s.logs
        assert not any("failed" in log for log in s.logs), s.logs
        await s.stop()

    asyncio.run(session())


def test_a_file_opened_as_lint_kept_it_is_published_from_the_cache(tmp_path: Path):
    """A file opened unchanged since a plain `ivrc lint` (a pre-commit hook's run, from the top
    of the workspace) gets that run's findings at once; an edit is checked as always."""
    flow = tmp_path / "flows" / "menu.ivr"
    flow.parent.mkdir()
    flow.write_text(FLOW, encoding="utf-8")
    linted = subprocess.run(
        [sys.executable, "-m", "ivrc", "lint", "flows/menu.ivr"], cwd=tmp_path, capture_output=True, text=True
    )
    assert linted.returncode == 0 and "unreachable-action" in linted.stdout
    # The entry's word is what is published: the file is not checked again on opening.
    (entry,) = (tmp_path / ".ivrc_cache").rglob("*.json")
    kept = json.loads(entry.read_text(encoding="utf-8"))
    kept["reports"][0]["diagnostics"][0][2] = "as the cache has it"
    entry.write_text(json.dumps(kept), encoding="utf-8")

    async def session() -> None:
        s = Session(tmp_path)
        uri = flow.as_uri()
        await s.start()
        s.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="ivr", version=1, text=FLOW)
            )
        )
        found = await s.diagnostics_for(uri)
        assert [(d.code, d.message, d.range.start.line) for d in found] == [
            ("unreachable-action", "as the cache has it\nhelp: move it before `hangup`, or remove it", 7)
        ]
        s.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=FLOW + "\n")],
            )
        )
        found = await s.diagnostics_for(uri)
        assert [d.code for d in found] == ["unreachable-action"] and found[0].message != "as the cache has it"
        await s.stop()

    asyncio.run(session())


def test_the_server_answers_initialize_before_loading_the_parser_or_the_syntax_tree():
    """What `ivrc lsp` imports to answer `initialize` leaves out the parser, the numbering data
    and the syntax tree's classes (15 ms to make): a document's first check loads them."""
    probe = (
        "import sys, ivrc.launch\n"
        "from ivrc.lsp.features import serve\n"
        "print(' '.join(m for m in ('lark', 'phonenumbers', 'ivrc.language.ast', 'ivrc.checks') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
