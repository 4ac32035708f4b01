"""Deploying a flow: check everything locally, show the plan, then send it step by step,
keeping a journal so that a deploy cut short is finished by running it again."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tempfile
import uuid
import wave
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivrc import phone
from ivrc.files import write_atomically

GZIP_ABOVE = 1024 * 1024  # phone lists larger than this are sent gzip-compressed
DTMF = frozenset("0123456789*#Ww")


class DeployError(Exception):
    """Something found before anything was sent; the message names the file and line."""


@dataclass
class Step:
    key: str  # the journal's name for it
    words: str  # what it does, for the plan


@dataclass
class Plan:
    flow: Path
    kind: str
    request: dict[str, Any]
    unique_id: str
    generated: bool
    recordings: list[Path]
    phones: Path | None
    phone_count: int
    start: bool
    journal: Journal
    steps: list[Step] = field(default_factory=list)


class Journal:
    """What a deploy of one flow to one service has done, in `.ivrc/deploys/` beside the flow."""

    def __init__(self, flow: Path, base_url: str, request: dict[str, Any]) -> None:
        self.path = flow.parent / ".ivrc" / "deploys" / f"{flow.name}.json"
        self.fingerprint = hashlib.sha256(json.dumps({"base_url": base_url, "request": request}, sort_keys=True).encode()).hexdigest()
        self.data: dict[str, Any] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if isinstance(stored, dict) and stored.get("fingerprint") == self.fingerprint:
            self.data = stored  # the same flow to the same service: go on where it stopped
        else:
            self.data = {"fingerprint": self.fingerprint, "unique_id": None, "done": []}

    @property
    def unique_id(self) -> str | None:
        return self.data.get("unique_id")

    def done(self, key: str) -> bool:
        return key in self.data["done"]

    def record(self, key: str | None = None, unique_id: str | None = None) -> None:
        if unique_id is not None:
            self.data["unique_id"] = unique_id
        if key is not None and key not in self.data["done"]:
            self.data["done"].append(key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(self.data, indent=2) + "\n")


def check_recordings(names: list[str], folder: Path | None) -> list[Path]:
    """Every recording the flow names, present in `folder` and a readable WAV."""
    if not names:
        return []
    if folder is None:
        raise DeployError(f"the flow plays recordings ({', '.join(names)}); give the folder they are in with --recordings")
    found = []
    for name in dict.fromkeys(names):
        path = folder / name
        if not path.is_file():
            raise DeployError(f"{path}: the flow plays this recording, and it is not there")
        try:
            with wave.open(str(path), "rb") as audio:
                audio.getnframes()
        except (wave.Error, EOFError, OSError) as error:
            raise DeployError(f"{path}: not a readable WAV file ({error})") from None
        found.append(path)
    return found


def _phone_text(path: Path) -> str:
    suffix = path.name.lower()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DeployError(f"{path}: cannot read: {error.strerror or error}") from None
    if suffix.endswith((".tar.gz", ".tgz")):
        raise DeployError(f"{path}: the service does not take tarballs; send .csv, .txt, .zip or .gz")
    try:
        if suffix.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if not members:
                    raise DeployError(f"{path}: the zip file holds no file")
                data = archive.read(members[0])  # the service reads the first member only
        elif suffix.endswith(".gz"):
            data = gzip.decompress(data)
        elif not suffix.endswith((".csv", ".txt")):
            raise DeployError(f"{path}: a phone list is a .csv, .txt, .zip or .gz file")
        return data.decode("utf-8-sig")
    except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError) as error:
        raise DeployError(f"{path}: cannot be read as a phone list: {error}") from None


def check_phones(path: Path, region: str | None) -> int:
    """Each line `number[,cli[,dtmf]]`: an E.164 number, a caller id, DTMF keys (api-notes 17)."""
    import csv

    count = 0
    for line_number, row in enumerate(csv.reader(io.StringIO(_phone_text(path))), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        number = phone.read(cells[0], None)
        if number.status in ("impossible", "local"):
            raise DeployError(f"{path}:{line_number}:1: `{cells[0]}` is not an E.164 number ({number.reason})")
        if len(cells) > 1 and cells[1] and phone.read(cells[1], region).status == "impossible":
            column = len(row[0]) + 2
            raise DeployError(f"{path}:{line_number}:{column}: the caller id `{cells[1]}` is not a phone number")
        if len(cells) > 2 and not set(cells[2]) <= DTMF:
            column = len(row[0]) + len(row[1]) + 3
            raise DeployError(f"{path}:{line_number}:{column}: the DTMF `{cells[2]}` has characters other than 0-9, *, #, W and w")
        count += 1
    if count == 0:
        raise DeployError(f"{path}: the phone list has no numbers")
    return count


def plan(
    flow: Path,
    request: dict[str, Any],
    recording_names: list[str],
    base_url: str,
    phones: Path | None,
    recordings: Path | None,
    start: bool,
    region: str | None,
) -> Plan:
    """Check what is local and say what will be sent, in order. Nothing is sent here."""
    kind = "dialer" if "ivr" in request else "simple_dialer"
    from_list = request.get("numbers_from_queue") == "true" or request.get("from_campaign") == "true"
    if from_list and phones is None:
        raise DeployError(f"{flow}: the flow calls the numbers of a phone list (`numbers from …`); give it with --phones")
    if phones is not None and not from_list:
        raise DeployError(f"{flow}: the flow calls one number; a phone list needs `numbers from queue` (or `numbers from campaign`)")
    files = check_recordings(recording_names, recordings)
    count = check_phones(phones, region) if phones is not None else 0
    journal = Journal(flow, base_url, request)
    unique_id = request.get("unique_id") or journal.unique_id or str(uuid.uuid4())
    generated = not request.get("unique_id")
    the_plan = Plan(flow, kind, {**request, "unique_id": unique_id}, unique_id, generated, files, phones, count, start, journal)
    if files:
        the_plan.steps.append(Step("recordings", f"upload {len(files)} recording{'s' if len(files) > 1 else ''}: {', '.join(f.name for f in files)}"))
    the_plan.steps.append(Step("campaign", f"create the {kind} campaign {unique_id}" + (" (a new unique_id)" if generated else "")))
    if phones is not None:
        packed = " gzip-compressed" if phones.suffix.lower() in (".csv", ".txt") and phones.stat().st_size > GZIP_ABOVE else ""
        the_plan.steps.append(Step("phones", f"upload {count} phone number{'s' if count != 1 else ''} from {phones.name}{packed}"))
    if start:
        the_plan.steps.append(Step("start", f"start campaign {unique_id}"))
    return the_plan


def execute(the_plan: Plan, client: Any, say: Callable[[str], None], progress: Callable[[int, int], Callable[[int], None]] | None = None) -> None:
    """Send each step not done yet, recording each in the journal as it succeeds. A failure
    propagates; the journal then says what was done, for the next run to skip."""
    journal = the_plan.journal
    journal.record(unique_id=the_plan.unique_id)
    for step in the_plan.steps:
        if journal.done(step.key):
            say(f"already done: {step.words}")
            continue
        if step.key == "recordings":
            client.upload_recordings(the_plan.recordings)
        elif step.key == "campaign":
            send = client.dialer if the_plan.kind == "dialer" else client.simple_dialer
            send(the_plan.request)
        elif step.key == "phones":
            assert the_plan.phones is not None
            _upload_phones(the_plan, client, progress)
        elif step.key == "start":
            client.start_campaign(the_plan.unique_id)
        journal.record(step.key)
        say(f"done: {step.words}")


def _upload_phones(the_plan: Plan, client: Any, progress: Callable[[int, int], Callable[[int], None]] | None) -> None:
    source = the_plan.phones
    assert source is not None
    if source.suffix.lower() in (".csv", ".txt") and source.stat().st_size > GZIP_ABOVE:
        with tempfile.TemporaryDirectory() as folder:
            packed = Path(folder) / f"{source.name}.gz"
            packed.write_bytes(gzip.compress(source.read_bytes(), mtime=0))
            tick = progress(packed.stat().st_size, 0) if progress else None
            client.upload_phones(the_plan.unique_id, packed, tick)
        return
    tick = progress(source.stat().st_size, 0) if progress else None
    client.upload_phones(the_plan.unique_id, source, tick)

