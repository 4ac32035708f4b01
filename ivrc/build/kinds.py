"""Which request a JSON object is, by its fields: light enough for a cached lint, which must tell
a request from other JSON in a folder without loading the parsers."""

from __future__ import annotations

from typing import Any

DIALER_ONLY = {
    "ivr",
    "return_address",
    "number",
    "numbers_from_queue",
    "schedule",
    "schedule_type",
    "cli",
    "dtmf_originator",
}

SIMPLE_ONLY = {
    "leg_a",
    "leg_b",
    "cid_a",
    "cid_b",
    "dtmf_a",
    "dtmf_b",
    "tts",
    "sound",
    "from_campaign",
    "dial_at",
    "answer_delay",
    "gender",
}


def request_kind(data: Any) -> str | None:
    """Dialer or simple dialer, recognised by their fields."""
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if keys & DIALER_ONLY and not keys & (SIMPLE_ONLY - {"gender"}):
        return "dialer"
    if keys & SIMPLE_ONLY:
        return "simple_dialer"
    return None
