"""`ivrc lsp`: from an edit that breaks a goto in a big flow to the diagnostic that says so.

    pip install -e '.[lsp]' && python benchmarks/lsp_edit.py [--steps 2000] [--edits 5]

A real client (pygls) starts `ivrc lsp` over stdio, opens a flow of STEPS realistic steps, waits
for its first diagnostics, then makes EDITS edits, each renaming a goto's target in the middle of
the file to a step that does not exist, and times each until the `dangling-goto` diagnostic
arrives. The goal is the server's debounce plus 0.3 s."""

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

from ivrc.lsp.server import DEBOUNCE  # noqa: E402


async def measure(steps: int, edits: int) -> list[float]:
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

    await client.start_io(sys.executable, "-m", "ivrc", "lsp")
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=folder.as_uri()))
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
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    times = asyncio.run(measure(args.steps, args.edits))
    median = statistics.median(times)
    print(
        f"edit to diagnostic, {args.steps} steps: {median:.2f} s (median of {args.edits}; each: "
        f"{', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"goal: debounce ({DEBOUNCE} s) + 0.3 s = {DEBOUNCE + 0.3:.2f} s")


if __name__ == "__main__":
    main()
