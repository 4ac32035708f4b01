"""The emulator's state in SQLite, so campaigns, recordings, phone lists and call records outlive a restart."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    unique_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    due REAL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS recordings (name TEXT PRIMARY KEY, data BLOB NOT NULL, uploaded REAL NOT NULL);
CREATE TABLE IF NOT EXISTS numbers (
    unique_id TEXT NOT NULL, position INTEGER NOT NULL, number TEXT NOT NULL, cli TEXT NOT NULL, dtmf TEXT NOT NULL,
    PRIMARY KEY (unique_id, position)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, address TEXT NOT NULL, report TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cdr (
    unique_id TEXT NOT NULL, position INTEGER NOT NULL, phone_number TEXT NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (unique_id, position)
);
"""


# Every table's key that begins with its user's name.
_KEYED = (("campaigns", "unique_id"), ("numbers", "unique_id"), ("cdr", "unique_id"), ("recordings", "name"))


class Empty(Exception):
    """A list without numbers: nothing is stored, the earlier list stays."""


class Store:
    """One SQLite file; a lock keeps the server's threads from writing at once."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "emulator.sqlite3"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode a commit survives the process being killed without waiting for the disk.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def campaign(self, unique_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT unique_id, kind, request, created, started, due, done FROM campaigns WHERE unique_id = ?",
                (unique_id,),
            ).fetchone()
        if row is None:
            return None
        keys = ("unique_id", "kind", "request", "created", "started", "due", "done")
        found = dict(zip(keys, row, strict=True))
        found["request"] = json.loads(found["request"])
        return found

    def add_campaign(self, unique_id: str, kind: str, request: dict[str, Any], now: float) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO campaigns (unique_id, kind, request, created) VALUES (?, ?, ?, ?)",
                (unique_id, kind, json.dumps(request, sort_keys=True), now),
            )

    def start(self, unique_id: str, now: float, due: float) -> bool:
        """Start a campaign once; False when it was started already."""
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE campaigns SET started = ?, due = ? WHERE unique_id = ? AND started IS NULL",
                (now, due, unique_id),
            ).rowcount
        return changed == 1

    def due_campaigns(self, now: float) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT unique_id FROM campaigns WHERE started IS NOT NULL AND done = 0 AND due <= ? ORDER BY due, "
                "unique_id",
                (now,),
            ).fetchall()
        return [r[0] for r in rows]

    def finish(
        self, unique_id: str, rows: list[tuple[str, dict[str, Any]]], reports: list[tuple[str, str, dict[str, Any]]]
    ) -> None:
        """A campaign's call records, and the reports still to be sent to its return_address,
        in one transaction: a report is never lost while its record is kept (nor sent twice
        by design; at least once, if the emulator stops between sending and crossing it off)."""
        with self.transaction() as db:
            db.execute("DELETE FROM cdr WHERE unique_id = ?", (unique_id,))
            db.executemany(
                "INSERT INTO cdr (unique_id, position, phone_number, row) VALUES (?, ?, ?, ?)",
                [(unique_id, i, phone, json.dumps(row)) for i, (phone, row) in enumerate(rows)],
            )
            db.executemany(
                "INSERT INTO outbox (key, address, report) VALUES (?, ?, ?)",
                [(key, address, json.dumps(report)) for key, address, report in reports],
            )
            db.execute("UPDATE campaigns SET done = 1 WHERE unique_id = ?", (unique_id,))

    def due_reports(self, now: float, limit: int = 100) -> list[tuple[int, str, str, dict[str, Any], int]]:
        """(id, key, address, report, attempts) of the reports whose time to be sent has come."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, key, address, report, attempts FROM outbox WHERE next_try <= ? ORDER BY id LIMIT ?",
                (now, limit),
            ).fetchall()
        return [(i, key, address, json.loads(report), attempts) for i, key, address, report, attempts in rows]

    def sent(self, report_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (report_id,))

    def later(self, report_id: int, attempts: int, next_try: float) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET attempts = ?, next_try = ? WHERE id = ?", (attempts, next_try, report_id))

    def fail(self, unique_id: str) -> None:
        """A campaign whose calls could not be placed: never looked at again (done = 2)."""
        with self.transaction() as db:
            db.execute("UPDATE campaigns SET done = 2 WHERE unique_id = ?", (unique_id,))

    def cdr(self, unique_id: str, phone: str | None = None) -> list[dict[str, Any]]:
        query = (
            "SELECT row FROM cdr WHERE unique_id = ?"
            + (" AND phone_number = ?" if phone is not None else "")
            + " ORDER BY position"
        )
        with self._lock:
            rows = self._db.execute(query, (unique_id, phone) if phone is not None else (unique_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def put_recordings(self, owner: str, files: list[tuple[str, bytes]], now: float) -> None:
        """A user's recordings, each kept as `user/name`."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO recordings (name, data, uploaded) VALUES (?, ?, ?)",
                [(f"{owner}/{n}", d, now) for n, d in files],
            )

    def recordings(self, owner: str) -> set[str]:
        prefix = f"{owner}/"
        with self._lock:
            rows = self._db.execute(
                "SELECT name FROM recordings WHERE substr(name, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
        return {r[0][len(prefix) :] for r in rows}

    def adopt(self, owner: str) -> None:
        """State written before campaigns had users (no `user/` in their keys) becomes this user's."""
        if self._db.execute("PRAGMA user_version").fetchone()[0] >= 1:
            return
        with self.transaction() as db:
            for table, column in _KEYED:
                db.execute(f"UPDATE {table} SET {column} = ? || '/' || {column}", (owner,))  # noqa: S608
            db.execute("PRAGMA user_version = 1")

    def put_numbers(self, unique_id: str, numbers: Iterable[tuple[str, str, str]]) -> tuple[int, int] | None:
        """Replace a campaign's list, read as a stream, while it has not started: (numbers now,
        numbers replaced), or None when it has started. A failure part way (a bad line) stores
        nothing, and the check of the start is in the same transaction as the write."""
        count = 0

        def rows() -> Iterator[tuple[str, int, str, str, str]]:
            nonlocal count
            for count, (number, cli, dtmf) in enumerate(numbers, start=1):
                yield unique_id, count - 1, number, cli, dtmf

        with self.transaction() as db:
            started = db.execute("SELECT started FROM campaigns WHERE unique_id = ?", (unique_id,)).fetchone()
            if started is not None and started[0] is not None:
                return None
            replaced = db.execute("DELETE FROM numbers WHERE unique_id = ?", (unique_id,)).rowcount
            db.executemany("INSERT INTO numbers VALUES (?, ?, ?, ?, ?)", rows())
            if not count:
                raise Empty
        return count, replaced

    def numbers(self, unique_id: str) -> list[tuple[str, str, str]]:
        with self._lock:
            return [
                tuple(r)
                for r in self._db.execute(
                    "SELECT number, cli, dtmf FROM numbers WHERE unique_id = ? ORDER BY position", (unique_id,)
                ).fetchall()
            ]

    def close(self) -> None:
        self._db.close()
