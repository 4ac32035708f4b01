"""Deploying a personal campaign: one dialer request per recipient, sent with bounded
concurrency and a rate limit, and journaled in SQLite as each request succeeds, so that a run
stopped at any moment (even by `kill -9`) is finished by the same command, with exactly one
campaign per recipient: each request's unique_id is derived from the flow and the recipient,
and the service takes a repeat of a request it has for what it is.

The journal is kept by recipient, not by row: a recipient added, removed or moved in the file
is sent, or skipped, for who they are. It holds nothing that leads back to a person. For each
recipient it keeps a keyed hash of their unique_id, a keyed hash of their request (to notice a
request that changed after it was sent) and what was done. The key is the user's, outside every
project (`journal_key`): a unique_id is derived from a phone number, so a hash the journal
alone could recompute would give every number back to whoever holds the journal and the flow."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    recipient TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS deployed (base_url TEXT PRIMARY KEY, source TEXT NOT NULL);
"""


def journal_key() -> bytes:
    """The key of every journal's hashes: `$XDG_STATE_HOME/ivrc/journal.key` (by default
    `~/.local/state/ivrc/journal.key`), made on first use, readable by its owner only. It is
    never beside a flow, so a journal that is shared or committed gives nothing away. Raises
    OSError when it can be neither read nor made."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    folder = Path(base) / "ivrc"
    path = folder / "journal.key"
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written whole under another name, then linked into place: a reader never sees half a
        # key, and of two deploys starting at once, the first to link wins for both.
        draft = folder / f".journal.key.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(secrets.token_bytes(32))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
        key = path.read_bytes()
    if len(key) != 32:
        raise OSError(f"{path} is not a journal key (32 bytes); remove it and a new one is made")
    return key


class BatchJournal:
    """`.ivrc/deploys/FLOW.ivr.batch.sqlite3` beside the flow; one per flow and service."""

    def __init__(self, flow: Path, base_url: str, template_digest: str, key: bytes) -> None:
        self.path = flow.parent / ".ivrc" / "deploys" / f"{flow.name}.batch.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode a commit survives the process being killed without waiting for the disk.
        self._db.execute("PRAGMA synchronous=NORMAL")
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(rows)")]
        if columns and "recipient" not in columns:
            self._db.execute("DROP TABLE rows")  # a journal kept by row, as they once were: begun again
        self._db.executescript(SCHEMA)
        self._key = key
        fingerprint = hashlib.sha256(f"{base_url}\x00{template_digest}".encode()).hexdigest()
        wanted = {"fingerprint": fingerprint, "key": self._hash("journal key")}
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if stored != wanted:
            # Another flow, another service or another key: what this journal knew is no longer
            # true, or can no longer be matched. The service takes a repeated unique_id for the
            # campaign it has, so nothing is called twice.
            with self._db:
                self._db.execute("DELETE FROM rows")
                self._db.execute("DELETE FROM meta")
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", list(wanted.items()))
        self._base_url = base_url

    def last_deployed(self) -> str | None:
        """The template flow as it was last deployed to this service (it outlives a changed flow)."""
        found = self._db.execute("SELECT source FROM deployed WHERE base_url = ?", (self._base_url,)).fetchone()
        return found[0] if found else None

    def deployed(self, source: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO deployed VALUES (?, ?)", (self._base_url, source))

    def close(self) -> None:
        self._db.close()

    def _hash(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def digest(self, line: str) -> str:
        """A keyed hash of one request: it tells a changed request, and gives nothing of it away."""
        return self._hash(line)

    def state(self, unique_id: str) -> tuple[str, int, int] | None:
        """(request digest, created, started) of the recipient with this unique_id, if known."""
        found = self._db.execute("SELECT digest, created, started FROM rows WHERE recipient = ?", (self._hash(unique_id),)).fetchone()
        return None if found is None else (found[0], found[1], found[2])

    def record(self, unique_id: str, digest: str, created: bool, started: bool) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO rows (recipient, digest, created, started) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(recipient) DO UPDATE SET digest = excluded.digest, "
                "created = MAX(created, excluded.created), started = MAX(started, excluded.started)",
                (self._hash(unique_id), digest, int(created), int(started)),
            )

    def counts(self) -> tuple[int, int]:
        created, started = self._db.execute("SELECT COALESCE(SUM(created), 0), COALESCE(SUM(started), 0) FROM rows").fetchone()
        return int(created), int(started)


@dataclass
class Tally:
    """What a batch deploy did, for its closing summary."""

    total: int = 0
    created: int = 0
    started: int = 0
    skipped: int = 0  # already done, by the journal
    changed: int = 0  # sent before with other values: the service keeps the first ones
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.created} created", f"{self.started} started", f"{self.skipped} skipped as already done", f"{self.failed} failed"]
        if self.changed:
            parts.append(f"{self.changed} changed since they were sent")
        return f"{self.total} recipients: " + ", ".join(parts) + "."


class RateLimit:
    """At most `rate` requests a second across every worker (none when rate is None)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            moment = max(now, self._next)
            self._next = moment + self.interval
        if moment > now:
            self._sleep(moment - now)


@dataclass(frozen=True)
class Job:
    row: int
    unique_id: str
    line: str
    digest: str
    create: bool
    start: bool


def send(
    jobs: Iterator[Job],
    client: Any,
    journal: BatchJournal,
    tally: Tally,
    concurrency: int,
    rate: float | None,
    progress: Callable[[], None],
) -> None:
    """Send every job with at most `concurrency` requests in flight, recording each success in
    the journal as soon as it is known (on this thread: the journal is not shared)."""
    from ivrc.api import ServiceError

    limit = RateLimit(rate)

    def work(job: Job) -> tuple[Job, bool, bool, str | None]:
        created = started = False
        try:
            if job.create:
                limit.wait()
                client.dialer(json.loads(job.line))
                created = True
            if job.start:
                limit.wait()
                client.start_campaign(job.unique_id)
                started = True
        except ServiceError as error:
            return job, created, started, str(error)
        return job, created, started, None

    def settle(done: set[Future[tuple[Job, bool, bool, str | None]]]) -> None:
        for future in done:
            job, created, started, error = future.result()
            if created or started:
                journal.record(job.unique_id, job.digest, created or not job.create, started)
            tally.created += created
            tally.started += started
            if error is not None:
                tally.failed += 1
                if len(tally.failures) < 20:
                    tally.failures.append(f"row {job.row}: {error}")
            progress()

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ivrc-deploy") as pool:
        running: set[Future[tuple[Job, bool, bool, str | None]]] = set()
        for job in jobs:
            if len(running) >= concurrency * 2:  # a bounded window: memory does not grow with the batch
                done, running = wait(running, return_when=FIRST_COMPLETED)
                settle(done)
            running.add(pool.submit(work, job))
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            settle(done)


def jobs_for(rows: Iterator[tuple[int, str, str]], journal: BatchJournal, start: bool, tally: Tally, progress: Callable[[], None]) -> Iterator[Job]:
    """The work left for each (row, unique_id, request line): all of it, what the journal does
    not have yet, or nothing; a recipient whose request changed since it was sent is not sent
    again. Recipients are known by their unique_id, wherever their row is now."""
    for row, unique_id, line in rows:
        tally.total += 1
        digest = journal.digest(line)
        known = journal.state(unique_id)
        if known is not None and known[1] and known[0] != digest:
            tally.changed += 1
            progress()
            continue
        create = not (known is not None and known[1])
        begin = start and not (known is not None and known[2])
        if not create and not begin:
            tally.skipped += 1
            progress()
            continue
        yield Job(row, unique_id, line, digest, create, begin)


def progress_printer(total: int, say: Callable[[str], None], interactive: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    """A bar with rate and time left on a terminal; off one, a line at every tenth."""
    done = 0
    began = time.monotonic()
    if interactive:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TaskProgressColumn, TimeRemainingColumn
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(f"{task.speed or 0:.0f} a second")

        bar = Progress("sending", BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), Rate(), TimeRemainingColumn(), transient=True)
        bar.start()
        task = bar.add_task("requests", total=total)

        def tick() -> None:
            bar.update(task, advance=1)

        return tick, bar.stop
    marks = {max(1, total * tenth // 10) for tenth in range(1, 11)}

    def line() -> None:
        nonlocal done
        done += 1
        if done in marks:
            elapsed = max(time.monotonic() - began, 1e-9)
            left = (total - done) / (done / elapsed)
            say(f"{done}/{total} recipients ({done * 100 // total}%), {done / elapsed:.0f} a second, about {left:.0f} s left")

    return line, lambda: None
