"""Calls placed by the emulator, in simulated time: who answers, what they press, and the call
records the service would write (api-notes 18-20). The flow itself is walked by `ivrc.running.simulate`."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from ivrc.language import phone
from ivrc.running.simulate import Step, run, scripted

log = logging.getLogger("ivrc.service.emulator")
RING_SECONDS = 4  # until an answering callee picks up
SPEECH_SECONDS = 2  # each prompt or play, as the records count it


@dataclass(frozen=True)
class Callee:
    """How one number behaves: from --callee-script, or seeded from the number itself."""

    answer: bool
    keys: tuple[str | None, ...] | None  # None: pick offered keys at random, seeded
    hangup_cause: str | None


def callee(number: str, script: dict[str, Any] | None) -> Callee:
    entry = (script or {}).get(number) or (script or {}).get("*")
    if entry is not None:
        keys = entry.get("keys")
        listed = tuple(None if k in (None, "timeout") else str(k) for k in keys) if isinstance(keys, list) else ()
        return Callee(bool(entry.get("answer", True)), listed, entry.get("hangup_cause"))
    chance = _rng(number).random()
    if chance < 0.7:
        return Callee(True, None, None)
    return Callee(False, (), "USER_BUSY" if chance < 0.85 else "NO_ANSWER")


def _rng(number: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big"))


def _seeded_caller(number: str):  # type: ignore[no-untyped-def]
    rng = _rng("keys:" + number)

    def press(step: Step) -> str | None:
        if not step.offered or rng.random() < 0.1:
            return None
        return rng.choice(step.offered)

    return press


def _stamp(moment: float, zone: Any) -> str:
    """`2016-03-30 14:53:50+03`, the records' own form."""
    local = datetime.fromtimestamp(moment, zone)
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M:%S") + (offset[:3] if offset.endswith("00") else f"{offset[:3]}:{offset[3:]}")


def _zone() -> Any:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Jerusalem")  # the service's home (api-notes 14)
    except Exception:  # no time zone data on this machine
        return timezone(timedelta(hours=2))


def place(
    campaign: dict[str, Any],
    numbers: list[tuple[str, str, str]],
    script: dict[str, Any] | None,
    start: float,
    region: str | None = "IL",
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Call every number in turn, from `start`: (number, CDR row, step report) for each."""
    request = campaign["request"]
    unique_id = campaign["unique_id"]
    zone = _zone()
    written_cli = str(request.get("cli") or request.get("cid_a") or "")
    # The records hold numbers as the service writes them: country code and number (api-notes 14).
    default_cli = (phone.read(written_cli, region).digits or written_cli) if written_cli else ""
    ring_timeout = int(float(request.get("ring_timeout") or 10))
    clock = start
    placed = []
    for number, cli, _dtmf in numbers:
        behaviour = callee(number, script)
        began = clock
        if behaviour.answer:
            caller = scripted(list(behaviour.keys)) if behaviour.keys is not None else _seeded_caller(number)
            call = run(request, caller)
            spoken = sum(1 for e in call.events if e["type"] in ("prompt", "play"))
            billsec = call.seconds + SPEECH_SECONDS * spoken
            answered = began + RING_SECONDS
            ended = answered + billsec
            cause = behaviour.hangup_cause or "NORMAL_CLEARING"
            report = {**call.report, "unique_id": unique_id}
        else:
            answered = None
            ended = began + (2 if behaviour.hangup_cause == "USER_BUSY" else ring_timeout)
            billsec = 0
            cause = behaviour.hangup_cause or "NO_ANSWER"
            report = {"steps": [], "invalid": [], "unique_id": unique_id}
        row = {
            "cli": cli or default_cli,
            "phone_number": number,
            "start_time": _stamp(began, zone),
            "answer_time": _stamp(answered, zone) if answered is not None else "",
            "hangup_time": _stamp(ended, zone),
            "duration": str(int(ended - began)),
            "billsec": str(int(billsec)),
            "hangup_cause": cause,
            "unique_campaign_id": unique_id,
            "steps": json.dumps(report, ensure_ascii=False, separators=(",", ":")),
        }
        placed.append((number, row, report))
        clock = ended + 1
    return placed


def callback_allowed(address: str, allowed_hosts: set[str]) -> bool:
    """Reports go to loopback only, unless a host was allowed by --allow-callbacks-to."""
    host = urlsplit(address).hostname or ""
    if host in allowed_hosts:
        return True
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def deliver(client: Any, address: str, report: dict[str, Any], key: str) -> bool:
    """POST one call's report to its return_address: True when it was taken (any answer but a
    5xx, which a retry may cure), False to try again later. `X-Ivrc-Report` names the report
    (campaign/position), so a receiver can tell a report sent again after a restart."""
    import httpx

    try:
        answer = client.post(address, json=report, headers={"X-Ivrc-Report": key})
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
        log.warning("report %s to its return_address failed: %s; it will be sent again", key, type(error).__name__)
        return False
    return bool(answer.status_code < 500)
