"""`ivrc lsp`: from an edit that breaks a goto in a big flow to the diagnostic that says so.

    pip install -e '.[lsp]' && python benchmarks/lsp_edit.py [--steps 2000] [--edits 5]

A real client (pygls) starts `ivrc lsp` over stdio, opens a flow of STEPS realistic steps, waits
for its first diagnostics, then makes EDITS edits, each renaming a goto's target in the middle of
the file to a step that does not exist, and times each until the `dangling-goto` diagnostic
arrives (the server's debounce included); then completion after `goto ` and hover over a step's
name, each from request to answer; and the start, from the process to `initialize`'s answer.
Goals (issue 26): an edit 100 ms at 300 steps and 300 ms at 2,000; completion and hover 50 ms;
initialize 300 ms."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flows import big_flow  # noqa: E402


async def measure(steps: int, edits: int) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    path = folder / "big.ivr"
    text = big_flow(steps)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client = LanguageClient("ivrc-bench", "1")
    arrived: asyncio.Queue[list[lsp.Diagnostic]] = asyncio.Queue()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        arrived.put_nowait(params.diagnostics)

    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "ivrc", "lsp")
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=folder.as_uri()))
    initialize = time.perf_counter() - started
    client.initialized(lsp.InitializedParams())
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri=uri, language_id="ivr", version=1, text=text))
    )
    await asyncio.wait_for(arrived.get(), 120)
    lines = text.split("\n")
    targets = [i for i, line in enumerate(lines) if line.strip().startswith("goto s")]
    times = []
    for number in range(edits):
        line = targets[len(targets) // 2 + number]
        column = lines[line].index("goto s") + len("goto ")
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(
                start=lsp.Position(line=line, character=column), end=lsp.Position(line=line, character=column + 1)
            ),
            text="missing_",
        )
        start = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=2 + number), [change])
        )
        while True:
            diagnostics = await asyncio.wait_for(arrived.get(), 120)
            if sum(1 for d in diagnostics if d.code == "dangling-goto") == number + 1:
                break
        times.append(time.perf_counter() - start)
        await asyncio.sleep(0.5)
    # Completion after `goto ` and hover over a step's name, in the middle of the file.
    completions, hovers = [], []
    for number in range(edits):
        line = targets[len(targets) // 3 + number]
        at = lsp.Position(line=line, character=lines[line].index("goto s") + len("goto "))
        document = lsp.TextDocumentIdentifier(uri=uri)
        start = time.perf_counter()
        await client.text_document_completion_async(lsp.CompletionParams(text_document=document, position=at))
        completions.append(time.perf_counter() - start)
        start = time.perf_counter()
        await client.text_document_hover_async(
            lsp.HoverParams(text_document=document, position=lsp.Position(line=line, character=at.character + 1))
        )
        hovers.append(time.perf_counter() - start)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"edit": times, "completion": completions, "hover": hovers, "initialize": [initialize]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    measured = asyncio.run(measure(args.steps, args.edits))
    goals = {"edit": 0.1 if args.steps <= 300 else 0.3, "completion": 0.05, "hover": 0.05, "initialize": 0.3}
    for name, times in measured.items():
        median = statistics.median(times)
        each = ", ".join(f"{t * 1000:.0f}" for t in times)
        print(f"{name}, {args.steps} steps: {median * 1000:.0f} ms (each: {each}); goal {goals[name] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
