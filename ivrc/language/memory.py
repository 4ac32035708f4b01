"""Reading a large file makes hundreds of thousands of small objects (values, spans, AST nodes)
and no reference cycles. Python's cycle collector, run again and again as they pile up, then
takes more time than the reading itself, growing faster than the file; while a file is read it
is paused, and the objects are freed by their reference counts as always."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_readers = 0
_was_enabled = False


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
            if _readers == 0 and _was_enabled:
                gc.enable()
