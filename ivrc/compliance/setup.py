"""The gate of one campaign, from its flow and policy: when it starts, how long its calls can
take, and whether it is marketing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivrc.checks.missing_opt_out import purpose
from ivrc.compliance.gate import Gate
from ivrc.language.model import Model
from ivrc.language.policy import Policy
from ivrc.running import simulate

# Spoken prompts are counted at this many characters a second: a documented estimate for the
# three languages of the service's text to speech, until a prompt's own length is known.
CHARACTERS_A_SECOND = 14
DIALER_DEFAULTS = {"max_retries": 3, "ring_timeout": 10, "retry_wait_time": 0}
SIMPLE_DEFAULTS = {"max_retries": 1, "ring_timeout": 10, "retry_wait_time": 3}


def _seconds(value: Any, default: int) -> int:
    try:
        return max(int(float(value)), 0)
    except (TypeError, ValueError):
        return default


def call_span(request: dict[str, Any]) -> int:
    """Seconds from a call's start to the end of its last try: `max_retries` × (`ring_timeout` +
    `retry_wait_time`), plus the flow's longest path: a silent callee's (each step's prompt and
    timeouts, with their retries), its prompts at CHARACTERS_A_SECOND."""
    defaults = DIALER_DEFAULTS if "ivr" in request else SIMPLE_DEFAULTS
    retries, ring, wait = (_seconds(request.get(name), default) for name, default in defaults.items())
    call = simulate.run(request, simulate.scripted([]))
    speech = sum(len(str(event.get("text", ""))) for event in call.events if event["type"] in ("prompt", "invalid"))
    return retries * (ring + wait) + ring + call.seconds + -(-speech // CHARACTERS_A_SECOND)


def fixed_time(request: dict[str, Any]) -> int | None:
    """The flow's own call time, when it gives one (a timestamp `schedule`, a `dial_at`)."""
    value = request.get("schedule") if request.get("schedule_type") == "timestamp" else request.get("dial_at")
    try:
        return int(value) if value not in (None, "", 0, "0") else None
    except (TypeError, ValueError):
        return None


def delay(request: dict[str, Any]) -> int:
    """The seconds a `schedule in …` waits after the request arrives."""
    if request.get("schedule_type") == "timestamp" or "schedule" not in request:
        return 0
    return _seconds(request.get("schedule"), 0)


def checks_rows(policy: Policy) -> bool:
    """Whether the policy has anything to say about each recipient."""
    return bool(
        policy.timed
        or policy.suppress
        or policy.consent_column
        or policy.max_attempts
        or policy.history
        or policy.default_timezone
    )


def gate_for(model: Model, request: dict[str, Any], region: str | None, start_at: datetime | None) -> Gate | None:
    """The gate of a campaign of this flow, or None when its policy checks no rows. Read the
    lists and the history with `Gate.prepare` before the first row."""
    policy = model.config.policy
    if policy is None or not checks_rows(policy):
        return None
    import time

    now = int(time.time())
    start = int(start_at.timestamp()) if start_at is not None else None
    return Gate(
        policy,
        region,
        start,
        fixed_time(request),
        call_span(request),
        purpose(model) == "marketing",
        now,
        delay(request) if start is None else 0,
    )


def start_time(text: str) -> datetime:
    """`--start-at`: ISO 8601 with a UTC offset (`2026-12-07T09:00+02:00`, or `Z`)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"`{text}` is not a date and time such as 2026-12-07T09:00+02:00") from None
    if moment.tzinfo is None:
        raise ValueError(f"`{text}` has no UTC offset, so it could mean any of 24 hours; add one, such as +02:00")
    return moment
