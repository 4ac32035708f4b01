"""A saved plan: what `ivrc plan` found it would send, written so that `ivrc apply` sends exactly
that, later, from a pipeline's artifact, or nothing at all.

The file is gzip-compressed JSON Lines, readable by its owner only (it holds the requests, and so
the recipients' numbers and names). Its first line is the plan's header: the service and the
environment, the digest of every input (the flow, the recipients, the phone list, the recordings,
the policy and its lists, ivrc's version), what is held back and why, the change since the last
deploy, and when it was made. Every other line is one campaign to send: a personal campaign's
recipient (`row`, `unique_id`, the request), or a flow's campaign (the request, the numbers of the
phone list it uploads)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FORMAT = 1


class PlanError(ValueError):
    """A plan file that cannot be read, or that no longer matches what it was made from."""


def digest_file(path: Path | None) -> str | None:
    """The SHA-256 of a file's bytes, read in blocks; None for no file."""
    if path is None:
        return None
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return "missing"
    return digest.hexdigest()


def policy_digest(config: Any) -> str | None:
    """One digest of what decides whom the policy holds back: the configuration file itself, and
    every do-not-call list and call-record file the policy reads."""
    if config.source is None:
        return None
    digest = hashlib.sha256(f"config\0{digest_file(config.source)}".encode())
    policy = config.policy
    if policy is not None:
        try:
            history = policy.history_files()
        except ValueError:
            history = []
        for path in (*policy.suppress, *history):
            digest.update(f"\0{path.name}\0{digest_file(path)}".encode())
    return digest.hexdigest()


def inputs(
    flow: Path, recipients: Path | None, phones: Path | None, recordings: list[Path], config: Any, version: str
) -> dict[str, Any]:
    """The digest of every input of a plan, by name."""
    return {
        "flow": digest_file(flow),
        "recipients": digest_file(recipients),
        "phones": digest_file(phones),
        "recordings": {path.name: digest_file(path) for path in sorted(recordings)},
        "policy": policy_digest(config),
        "ivrc": version,
    }


INPUT_WORDS = {
    "flow": "the flow",
    "recipients": "the recipients file",
    "phones": "the phone list",
    "recordings": "a recording",
    "policy": "the configuration or the policy's lists and records",
    "ivrc": "ivrc's version",
}


class Writer:
    """A plan being written: its lines go to a temporary file beside the target; `finish` writes
    the header first and the lines after it, and puts the plan in place at once, owner-only."""

    def __init__(self, target: Path) -> None:
        self.target = target
        folder = target.parent if str(target.parent) else Path(".")
        handle, name = tempfile.mkstemp(prefix=".ivrc-plan-", suffix=".jsonl", dir=folder)
        os.close(handle)
        self._body = Path(name)
        os.chmod(self._body, 0o600)
        self._out = self._body.open("w", encoding="utf-8")
        self.count = 0

    def add(self, item: dict[str, Any]) -> None:
        self._out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.count += 1

    def finish(self, header: dict[str, Any]) -> None:
        self._out.close()
        made = {
            "ivrc_plan": FORMAT,
            "made_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "to_send": self.count,
            **header,
        }
        folder = self.target.parent if str(self.target.parent) else Path(".")
        handle, name = tempfile.mkstemp(prefix=".ivrc-plan-", suffix=".gz", dir=folder)
        os.fchmod(handle, 0o600)
        try:
            with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
                packed.write((json.dumps(made, ensure_ascii=False) + "\n").encode("utf-8"))
                with self._body.open("rb") as body:
                    for block in iter(lambda: body.read(1 << 20), b""):
                        packed.write(block)
            os.replace(name, self.target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        finally:
            self._body.unlink(missing_ok=True)

    def abandon(self) -> None:
        self._out.close()
        self._body.unlink(missing_ok=True)


def read_header(path: Path) -> dict[str, Any]:
    """The plan's header; PlanError for a file that is not a plan ivrc can apply."""
    for header in _lines(path):
        if not isinstance(header, dict) or header.get("ivrc_plan") != FORMAT:
            raise PlanError(f"{path}: not a plan written by `ivrc plan` (format {FORMAT})")
        return header
    raise PlanError(f"{path}: empty; not a plan")


def read_items(path: Path) -> Iterator[dict[str, Any]]:
    """The plan's campaigns, one at a time, after its header."""
    lines = _lines(path)
    next(lines, None)
    for item in lines:
        if not isinstance(item, dict):
            raise PlanError(f"{path}: a line of the plan is not a campaign")
        yield item


def _lines(path: Path) -> Iterator[Any]:
    try:
        with gzip.open(path, "rb") as packed:
            for number, raw in enumerate(io.BufferedReader(packed), start=1):
                try:
                    yield json.loads(raw)
                except ValueError:
                    raise PlanError(f"{path}:{number}: not JSON; the plan is damaged") from None
    except FileNotFoundError:
        raise PlanError(f"{path}: no such file") from None
    except (OSError, EOFError) as error:
        raise PlanError(f"{path}: not a plan ivrc can read ({error})") from None


def refusals(header: dict[str, Any], now: dict[str, Any], env: str | None, service: str, moment: float) -> list[str]:
    """Why a plan must not be applied now: each input that changed, another environment or
    service, a scheduled time already past. Empty when it may be applied."""
    said = []
    then = header.get("inputs", {})
    for name, words in INPUT_WORDS.items():
        if then.get(name) != now.get(name):
            said.append(f"{words} changed since the plan was made")
    if header.get("env") != env:
        said.append(f"the plan was made for the environment {header.get('env') or '(none)'}, not {env or '(none)'}")
    if header.get("service") != service:
        said.append(f"the plan was made for the service {header.get('service')}, not {service}")
    until = header.get("until")
    if isinstance(until, int) and until < moment:
        when = datetime.fromtimestamp(until, timezone.utc).isoformat().replace("+00:00", "Z")
        said.append(
            f"calls in the plan that ring as they are sent were allowed until {when} by the calling hours; sent "
            "now, they would ring outside them"
        )
    earliest = header.get("earliest")
    if isinstance(earliest, int) and earliest <= moment:
        when = datetime.fromtimestamp(earliest, timezone.utc).isoformat().replace("+00:00", "Z")
        said.append(f"the plan schedules a call at {when}, which is already past")
    return said


def earliest(request: dict[str, Any]) -> int | None:
    """A request's timestamp schedule (or dial_at), if it has one."""
    value = request.get("schedule") if request.get("schedule_type") == "timestamp" else request.get("dial_at")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
