"""Work spread over the machine's cores (`--jobs N`, default: all of them): the files a
command must check, in processes forked from this one, so that each starts with the parser and
the numbering data this one has loaded. Results come back in the order of the work, so that
the output is the same, byte for byte, whatever the number of processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Work = TypeVar("Work")
Done = TypeVar("Done")

# Below this many items a second process costs more than it saves.
WORTH_A_PROCESS = 8


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def jobs_wanted(value: int | None) -> int:
    """`--jobs`: a count of processes; None or 0 for one a core."""
    return cores() if not value else max(1, value)


def spread(work: Callable[[Work], Done], items: Sequence[Work], jobs: int, warm: Callable[[], Any]) -> list[Done]:
    """`work` of each item, in order; in `jobs` processes when there is enough to share.
    `warm` loads what the work needs before the processes are forked."""
    count = min(jobs, len(items) // WORTH_A_PROCESS) if jobs > 1 else 1
    if count <= 1:
        return [work(item) for item in items]
    import multiprocessing  # 6 ms of start-up that a run of one file, or all from the cache, does without

    if "fork" not in multiprocessing.get_all_start_methods():
        return [work(item) for item in items]
    warm()
    context = multiprocessing.get_context("fork")
    with context.Pool(count) as pool:
        # Chunks of a few items each: a file that takes long does not leave the other cores idle.
        return pool.map(work, items, chunksize=max(1, len(items) // (count * 8)))
