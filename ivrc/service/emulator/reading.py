"""What the emulator reads in a request beyond its schema: a campaign's unique_id and times the
service can hold, the recordings it names, the document's "true" and "false", and credentials
compared in constant time as clients escape them (api-notes 22)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from ivrc.running.simulate import mapping
from ivrc.service.emulator.phones import Refused
from ivrc.service.emulator.wire import LATEST_TIME, RETURN_ADDRESS, UNIQUE_ID


def acceptable(data: dict[str, Any], unique_id: str) -> None:
    """What the checks of `ivrc lint` leave to the service: texts that can be stored, a
    unique_id that a path can hold, a return address that can be called, times that exist."""
    storable(data)
    if not re.fullmatch(UNIQUE_ID, unique_id):
        raise Refused(
            400,
            "the unique_id must be 1 to 200 characters, with no `/`, `\\` or control characters: it goes in the paths "
            "of the other calls",
        )
    address = data.get("return_address")
    if isinstance(address, str) and address and not re.fullmatch(RETURN_ADDRESS, address):
        raise Refused(
            400,
            "the return_address must be an http(s) URL with a host, a port up to 65535 if any, and no space or "
            "control character",
        )
    for name in ("schedule", "dial_at"):
        value = data.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > LATEST_TIME:
            raise Refused(400, f"`{name}` is later than the year 9999")


def storable(data: Any) -> None:
    """Texts that are Unicode: a lone surrogate (`\\ud800`) can be neither stored nor checked."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(
            400, "a text of the request holds a lone surrogate (such as \\ud800); texts must be valid Unicode"
        ) from None


def matches(sent: str, expected: str) -> bool:
    wanted = expected.encode()
    # Both comparisons always run, so the time taken says nothing about which form matched.
    raw = hmac.compare_digest(sent.encode(), wanted)
    escaped = hmac.compare_digest(unquote(sent).encode(), wanted)
    return raw or escaped


def true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def recordings(request: dict[str, Any]) -> list[str]:
    """The file names a request plays (api-notes 16)."""
    names = []
    if "sound" in request and not true(request.get("tts", "true")):
        names.append(str(request["sound"]))
    for step in (request.get("ivr") or {}).get("steps") or []:
        if not isinstance(step, dict):
            continue
        if true(step.get("prompt_is_file")) and isinstance(step.get("prompt"), str):
            names.append(step["prompt"])
        if true(step.get("dtmf_invalid_text_is_file")) and step.get("dtmf_ivr_invalid_text"):
            names.append(str(step["dtmf_ivr_invalid_text"]))
        for handler in step.get("actions") or []:
            for action in (handler.get("actions") or []) if isinstance(handler, dict) else []:
                if not isinstance(action, dict):
                    continue
                params = mapping(action.get("params"))
                if action.get("action") == "play" and true(params.get("is_recording")):
                    names.append(str(params.get("text", "")))
    return names


async def recording(part: Any) -> tuple[str, bytes]:
    """A `recs[]` part as (file name, bytes). A part sent without a file name (a form field, not
    a file) is kept under a name made from its content, which the answer lists."""
    if hasattr(part, "read"):
        data: bytes = await part.read()
        if part.filename:
            return PurePosixPath(part.filename.replace("\\", "/")).name or "recording", data
    else:
        data = _field_bytes(part)
    return f"recording-{hashlib.sha256(data).hexdigest()[:12]}.wav", data


def _field_bytes(value: str) -> bytes:
    """The bytes of a form field, as Starlette decoded them: as UTF-8, or as Latin-1 where they
    are not UTF-8. Latin-1 gives each byte back; text that is UTF-8 is encoded so again."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw  # not UTF-8: it was read as Latin-1
    return value.encode("utf-8")
