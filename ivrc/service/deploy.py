"""Deploying a flow: check everything locally, show the plan, then send it step by step,
keeping a journal so that a deploy cut short is finished by running it again."""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivrc.language.files import write_atomically
from ivrc.service.phone_list import DeployError, PhoneList, check_phones, phone_numbers, read_phones

GZIP_ABOVE = 1024 * 1024  # phone lists larger than this are sent gzip-compressed

__all__ = ["DeployError", "PhoneList", "Plan", "Step", "check_phones", "phone_numbers", "plan", "read_phones"]


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
    phones: PhoneList | None
    start: bool
    journal: Journal
    steps: list[Step] = field(default_factory=list)


class Journal:
    """What a deploy of one flow to one service has done, in `.ivrc/deploys/` beside the flow."""

    def __init__(
        self, flow: Path, base_url: str, request: dict[str, Any], part: str | None = None, env: str | None = None
    ) -> None:
        folder = flow.parent / ".ivrc" / "deploys"  # an environment's journals apart from the others'
        self.part = part
        self.path = (folder / env if env else folder) / f"{flow.name}{'.' + part if part else ''}.json"
        self.base_url = base_url
        self.fingerprint = hashlib.sha256(
            json.dumps({"base_url": base_url, "request": request}, sort_keys=True).encode()
        ).hexdigest()
        self.data: dict[str, Any] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if not isinstance(stored, dict):
            stored = {}
        if stored.get("fingerprint") == self.fingerprint:
            self.data = stored  # the same flow to the same service: go on where it stopped
        else:
            self.data = {"fingerprint": self.fingerprint, "unique_id": None, "done": []}
        # What was last deployed to each service outlives a changed flow: the plan shows the
        # changes since then (`ivrc diff`).
        deployed = stored.get("deployed")
        self.data["deployed"] = deployed if isinstance(deployed, dict) else {}
        started = stored.get("started")
        self.data["started"] = started if isinstance(started, dict) else {}

    def last_deployed(self) -> str | None:
        """The flow's text as it was when it was last deployed to this service, if it was."""
        source = self.data["deployed"].get(self.base_url)
        return source if isinstance(source, str) else None

    def deployed(self, source: str) -> None:
        self.data["deployed"][self.base_url] = source
        self.record()

    def started(self) -> str | None:
        """The campaign of this flow last started on this service, whatever the flow was then."""
        found = self.data["started"].get(self.base_url)
        return found if isinstance(found, str) else None

    @property
    def unique_id(self) -> str | None:
        return self.data.get("unique_id")

    def done(self, key: str) -> bool:
        return key in self.data["done"]

    def forget(self) -> None:
        """Nothing is done after all (the service does not know the campaign); written on the next record."""
        self.data["done"] = []

    def record(self, key: str | None = None, unique_id: str | None = None) -> None:
        if unique_id is not None:
            self.data["unique_id"] = unique_id
        if key is not None and key not in self.data["done"]:
            self.data["done"].append(key)
        if key == "start" and self.data.get("unique_id"):
            self.data["started"][self.base_url] = self.data["unique_id"]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(self.data, indent=2) + "\n")


def check_recordings(names: list[str], folder: Path | None) -> list[Path]:
    """Every recording the flow names, present in `folder` and a readable WAV."""
    if not names:
        return []
    if folder is None:
        raise DeployError(
            f"the flow plays recordings ({', '.join(names)}); give the folder they are in with --recordings"
        )
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


def derived_unique_id(base_url: str, request: dict[str, Any]) -> str:
    """The unique_id of a flow that has none: the same for the same request to the same service,
    so that a dry run shows what the deploy sends and a re-run never creates a second campaign."""
    fingerprint = json.dumps({"base_url": base_url, "request": request}, sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(_NAMESPACE, fingerprint))


_NAMESPACE = uuid.UUID("5b0c3f0e-9d1a-4c55-8a55-6f1d8e2b7a11")  # ivrc deploys


def plan(
    flow: Path,
    request: dict[str, Any],
    recording_names: list[str],
    base_url: str,
    phones: Path | None,
    recordings: Path | None,
    start: bool,
    region: str | None,
    keep: Callable[[str], bool] | None = None,
    part: str | None = None,
    env: str | None = None,
) -> Plan:
    """Check what is local and say what will be sent, in order. Nothing is sent here. `keep`
    says which numbers of the phone list are sent (the policy holds the rest back); `part`
    names one of several campaigns of the flow (`--split-by-timezone`), each with its journal."""
    kind = "dialer" if "ivr" in request else "simple_dialer"
    from_list = request.get("numbers_from_queue") == "true" or request.get("from_campaign") == "true"
    if from_list and phones is None:
        raise DeployError(
            f"{flow}: the flow calls the numbers of a phone list (`numbers from …`); give it with --phones"
        )
    if phones is not None and not from_list:
        raise DeployError(
            f"{flow}: the flow calls one number; a phone list needs `numbers from queue` (or `numbers from campaign`)"
        )
    files = check_recordings(recording_names, recordings)
    phone_list = check_phones(phones, region, keep) if phones is not None else None
    journal = Journal(flow, base_url, request, part, env)
    generated = not request.get("unique_id")
    unique_id = request.get("unique_id") or derived_unique_id(base_url, request)
    the_plan = Plan(
        flow, kind, {**request, "unique_id": unique_id}, unique_id, generated, files, phone_list, start, journal
    )
    if files:
        the_plan.steps.append(
            Step(
                "recordings",
                f"upload {len(files)} recording{'s' if len(files) > 1 else ''}: {', '.join(f.name for f in files)}",
            )
        )
    the_plan.steps.append(Step("campaign", f"create the {kind} campaign {unique_id}"))
    if phone_list is not None:
        notes = [
            note
            for note, present in (("header row skipped", phone_list.header), ("gzip-compressed", _packed(phone_list)))
            if present
        ]
        words = (
            f"upload {phone_list.count} phone number{'s' if phone_list.count != 1 else ''} from {phone_list.path.name}"
        )
        the_plan.steps.append(Step("phones", words + (f" ({', '.join(notes)})" if notes else "")))
    if start:
        the_plan.steps.append(Step("start", f"start campaign {unique_id}"))
    return the_plan


def _packed(phone_list: PhoneList) -> bool:
    return phone_list.size > GZIP_ABOVE


def refresh(the_plan: Plan, client: Any) -> str | None:
    """Confirm with the service what the journal says was done, as terraform refreshes its state:
    a campaign the service does not know (a reset service, a journal from elsewhere) is created
    again, and wrong credentials or a wrong address fail here rather than hide behind the journal.
    Returns what was found, in words; None when the journal has no campaign to confirm."""
    from ivrc.service.api import ServiceError

    journal = the_plan.journal
    if not journal.done("campaign"):
        return None
    try:
        client.cdr_by_campaign(the_plan.unique_id)
    except ServiceError as error:
        if error.status != 404:
            raise
        journal.forget()
        return (
            f"the journal says campaign {the_plan.unique_id} was created, but the service does not know it "
            "(the service was reset, or the journal is stale); it will be sent again"
        )
    return f"the service confirms that campaign {the_plan.unique_id} exists"


def execute(
    the_plan: Plan,
    client: Any,
    say: Callable[[str], None],
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
) -> None:
    """Send each step not done yet, recording each in the journal as it succeeds. A failure
    propagates; the journal then says what was done, for the next run to skip."""
    journal = the_plan.journal
    journal.record(unique_id=the_plan.unique_id)
    for step in the_plan.steps:
        if journal.done(step.key):
            continue  # the plan already said so
        if step.key == "recordings":
            client.upload_recordings(the_plan.recordings)
        elif step.key == "campaign":
            send = client.dialer if the_plan.kind == "dialer" else client.simple_dialer
            send(the_plan.request)
        elif step.key == "phones":
            assert the_plan.phones is not None
            _upload_phones(the_plan.phones, the_plan.unique_id, client, progress)
        elif step.key == "start":
            client.start_campaign(the_plan.unique_id)
        journal.record(step.key)
        say(f"done: {step.words}")


def _upload_phones(
    phone_list: PhoneList, unique_id: str, client: Any, progress: Callable[[int, int], Callable[[int], None]] | None
) -> None:
    """The list as checked: E.164 numbers, no header, CRLF lines; gzip-compressed when large.
    It is written to a temporary file a line at a time, so a long list is never held whole."""
    with tempfile.TemporaryDirectory() as folder:
        name = Path(phone_list.path.name).stem.removesuffix(".csv").removesuffix(".txt") + ".csv"
        written = Path(folder) / name
        if _packed(phone_list):
            written = written.with_name(name + ".gz")
            with gzip.open(written, "wb", compresslevel=6) as sink:
                phone_list.write(sink)
        else:
            with written.open("wb") as sink:
                phone_list.write(sink)
        tick = progress(written.stat().st_size, 0) if progress else None
        client.upload_phones(unique_id, written, tick)
