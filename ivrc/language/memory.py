"""Reading a large file makes hundreds of thousands of small objects (values, spans, AST nodes)
and no reference cycles. Python's cycle collector, run again and again as they pile up, then
takes more time than the reading itself, growing faster than the file; while a file is read it
is paused, and the objects are freed by their reference counts as always.

A process that ends with its command (the command line, not a server) also freezes what a
reading made (`gc.freeze`, a constant-time move) when the reading ends: otherwise the first
collection after the pause, and each older-generation one after it, walks every one of those
objects again, a cost only big files pay. A server keeps collecting them, since a cycle frozen
there would stay for its whole life."""

from __future__ import annotations

import _thread  # not `threading`: a lint answered from the cache imports this module, and not that one
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_lock = _thread.allocate_lock()
_readers = 0
_was_enabled = False
_freeze = False


def ends_with_its_command(ends: bool = True) -> None:
    """Say whether this process ends when its command does (`ivrc.launch` says it does; a
    server, `ivrc lsp` or `ivrc emulator`, says it does not)."""
    global _freeze
    _freeze = ends


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector while the block runs; threads that read at once share one pause."""
    global _readers, _was_enabled
    with _lock:
        if _readers == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0:
                if _freeze:
                    gc.freeze()
                if _was_enabled:
                    gc.enable()
