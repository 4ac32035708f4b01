"""The journal of a personal campaign's deploys: what was sent to whom, kept in SQLite as each
request succeeds, so that a run stopped at any moment (even by `kill -9`) is finished by the
same command and nobody is sent a second call by mistake.

The journal is kept by recipient, not by row: a recipient added, removed or moved in the file
is sent, or skipped, for who they are. It holds nothing that leads back to a person. For each
recipient it keeps a keyed hash of the service and their first unique_id, one of the service and
the campaign's name, one of the request last sent (to notice a request that changed after it was
sent), how often it was sent on purpose (`--resend-changed`), and what was done. The key is the
user's, outside every project (`journal_key`): a unique_id is derived from a phone number, so a
hash the journal alone could recompute would give every number back to whoever holds the
journal and the flow."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (
    recipient TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    campaign TEXT NOT NULL,
    digest TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 1,
    created INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS deployed (base_url TEXT PRIMARY KEY, source TEXT NOT NULL);
"""

UNKNOWN_REQUEST = ""  # the digest of a campaign the service had already, with other values


class JournalError(Exception):
    """A journal that cannot be used without risking a second call; the message says what to do."""


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
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
        key = path.read_bytes()
    if len(key) != 32:
        raise OSError(f"{path} is not a journal key (32 bytes); remove it and a new one is made")
    return key


@dataclass(frozen=True)
class Known:
    """What the journal knows of one recipient."""

    digest: str
    generation: int
    created: bool
    started: bool


def journal_path(flow: Path, env: str | None = None) -> Path:
    """Beside the flow; an environment's journals in a folder of their own, so that staging and
    production never mistake each other's campaigns."""
    folder = flow.parent / ".ivrc" / "deploys"
    return (folder / env if env else folder) / f"{flow.name}.batch.sqlite3"


class BatchJournal:
    """`.ivrc/deploys/FLOW.ivr.batch.sqlite3` beside the flow: every campaign of the flow, on
    every service, each recipient's row apart by the service and the campaign."""

    def __init__(self, flow: Path, base_url: str, campaign: str, key: bytes, env: str | None = None) -> None:
        self.path = journal_path(flow, env)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode a commit survives the process being killed without waiting for the disk.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._key = key
        self._refuse_an_old_layout()
        self._db.executescript(SCHEMA)
        wanted = {"key": self._hash("journal key"), "layout": "2"}
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if stored != wanted:
            # Another key (another user or machine): what this journal knew can no longer be
            # matched. The service takes a repeated unique_id for the campaign it has.
            with self._db:
                self._db.execute("DELETE FROM recipients")
                self._db.execute("DELETE FROM meta")
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", list(wanted.items()))
        self._base_url = base_url
        self.service = self._hash("service\x00" + base_url)
        self.campaign = self._hash(f"campaign\x00{base_url}\x00{campaign}")

    def _refuse_an_old_layout(self) -> None:
        """A journal of an earlier ivrc named each recipient's campaign after the flow's text;
        its recipients cannot be matched with today's names, and would be called again."""
        tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "rows" not in tables:
            return
        sent = self._db.execute("SELECT COUNT(*) FROM rows WHERE created OR started").fetchone()[0]
        if sent:
            self._db.close()
            raise JournalError(
                f"{self.path} was written by an earlier ivrc, which named each recipient's campaign after the flow's "
                f"text; its {sent} recipients cannot be matched with the names this ivrc gives, and a deploy would "
                "call "
                "them again. Finish that campaign with the ivrc that began it, or move the journal away to begin a new "
                "campaign (its recipients are called again)"
            )
        self._db.execute("DROP TABLE rows")  # nothing was sent: nothing to keep

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

    def _recipient(self, unique_id: str) -> str:
        return self._hash(f"recipient\x00{self._base_url}\x00{unique_id}")

    def digest(self, line: str) -> str:
        """A keyed hash of one request: it tells a changed request, and gives nothing of it away."""
        return self._hash(line)

    @classmethod
    def read(cls, flow: Path, base_url: str, campaign: str, key: bytes, env: str | None = None) -> BatchJournal | None:
        """The journal opened to read only (for `ivrc cdr`): None when there is none, it is of an
        earlier layout, or it was kept with another key. Reading never changes it."""
        path = journal_path(flow, env)
        if not path.is_file():
            return None
        journal = cls.__new__(cls)
        journal.path = path
        journal._key = key
        try:
            journal._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            tables = {name for (name,) in journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            stored = dict(journal._db.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
        except sqlite3.Error:
            return None
        if "recipients" not in tables or stored != {"key": journal._hash("journal key"), "layout": "2"}:
            journal._db.close()
            return None
        journal._base_url = base_url
        journal.service = journal._hash("service\x00" + base_url)
        journal.campaign = journal._hash(f"campaign\x00{base_url}\x00{campaign}")
        return journal

    def state(self, unique_id: str) -> Known | None:
        """What was sent to the recipient whose first unique_id this is, on this service."""
        found = self._db.execute(
            "SELECT digest, generation, created, started FROM recipients WHERE recipient = ?",
            (self._recipient(unique_id),),
        ).fetchone()
        return None if found is None else Known(found[0], int(found[1]), bool(found[2]), bool(found[3]))

    def record(self, unique_id: str, digest: str, generation: int, created: bool, started: bool) -> None:
        """What was done for one recipient; a later generation (sent again on purpose) begins anew."""
        with self._db:
            self._db.execute(
                "INSERT INTO recipients (recipient, service, campaign, digest, generation, created, started) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(recipient) DO UPDATE SET "
                "created = CASE WHEN excluded.generation = generation THEN MAX(created, excluded.created) ELSE "
                "excluded.created END, "
                "started = CASE WHEN excluded.generation = generation THEN MAX(started, excluded.started) ELSE "
                "excluded.started END, "
                "digest = excluded.digest, generation = excluded.generation",
                (
                    self._recipient(unique_id),
                    self.service,
                    self.campaign,
                    digest,
                    generation,
                    int(created),
                    int(started),
                ),
            )

    def counts(self) -> tuple[int, int]:
        """Recipients of this campaign on this service: created, started."""
        created, started = self._db.execute(
            "SELECT COALESCE(SUM(created), 0), COALESCE(SUM(started), 0) FROM recipients WHERE campaign = ?",
            (self.campaign,),
        ).fetchone()
        return int(created), int(started)

    def other_campaigns(self) -> int:
        """Recipients sent campaigns of this flow under another name, on this service."""
        found = self._db.execute(
            "SELECT COUNT(*) FROM recipients WHERE service = ? AND campaign != ? AND created",
            (self.service, self.campaign),
        ).fetchone()
        return int(found[0])


def sent_as(unique_id: str, generation: int) -> str:
    """The unique_id of a recipient's campaign of that generation: their first, then `ID-2`, `ID-3`…"""
    return unique_id if generation <= 1 else f"{unique_id}-{generation}"
