"""The words of the language, as the language server offers them: what each keyword does (for
hover) and which keywords may come where (for completion)."""

from __future__ import annotations

# Keyword -> what it does and the API field it writes, for hover.
KEYWORD_DOCS = {
    "region": ("How to read local phone numbers in this file (ISO 3166 code).", None),
    "dialer": ("A dialer request (POST /v2/calls/dialer); its optional text is the unique_id.", "unique_id"),
    "simple_dialer": ("A simple dialer request (POST /v2/calls/simple_dialer).", "unique_id"),
    "step": ("One step of the IVR; its name is the step_id.", "step_id"),
    "return_address": ("Where the service reports each call. Required.", "return_address"),
    "number": ("The number to call.", "number"),
    "numbers": (
        "`numbers from queue` / `numbers from campaign`: call the uploaded phone list.",
        "numbers_from_queue / from_campaign",
    ),
    "cli": ("The caller id; leave it out (or empty) to hide it.", "cli / cid_a / cid_b"),
    "dtmf": (
        "Keys sent on answer: 0-9 * #, W waits 1 s, w waits 0.5 s.",
        "dtmf_originator / dtmf_keys / dtmf_a / dtmf_b",
    ),
    "max_retries": ("Retries of each question on an invalid key or timeout (0-10000).", "max_retries"),
    "ring_timeout": ("How long to ring before giving up, in whole seconds.", "ring_timeout"),
    "retry_wait_time": ("How long to wait between retries, in whole seconds.", "retry_wait_time"),
    "schedule": (
        "`schedule in 5m` (seconds from now) or `schedule at <time>` (a Unix timestamp).",
        "schedule_type, schedule",
    ),
    "leg_a": ("The number the simple dialer calls, with its cli and dtmf.", "leg_a, cid_a, dtmf_a"),
    "leg_b": ("The number to bridge to after the sound.", "leg_b, cid_b, dtmf_b"),
    "answer_delay": ("Seconds to wait after the answer before the sound.", "answer_delay"),
    "dial_at": ("When the simple dialer starts, as an ISO 8601 time with offset.", "dial_at"),
    "voice": ("`male` or `female` text to speech.", "gender"),
    "say": (
        "The prompt: a text, several texts, a text `with` placeholder values, or `file` a recording.",
        "prompt, prompt_is_file / sound, tts",
    ),
    "keys": ("The keys offered, written out; without it, every handled key. `keys none` offers none.", "dtmf_ivr"),
    "timeout": ("How long to wait for a key, in whole seconds.", "dtmf_ivr_timeout"),
    "retries": ("Retries of this step on an invalid key or timeout.", "dtmf_ivr_retries"),
    "invalid": (
        "`invalid say …`: what is played after a key that is not offered.",
        "dtmf_ivr_invalid_text, dtmf_invalid_text_is_file",
    ),
    "on": ('A key (`1`, `11`, `"#"`) or range (`10..12`) and its actions.', "actions[].key"),
    "play": ("Play a text (with an optional voice) or `file` a recording.", "action play: text, gender, is_recording"),
    "wait": ("Wait; the service rounds fractions of a second up.", "action wait: sleep"),
    "goto": ("Go to another step (only in a flow with goto).", "action goto: step_id"),
    "call": ("Bridge the call to a number, with a caller id and DTMF.", "action call: number, cli, dtmf_keys"),
    "mark": ('`mark remove` or `mark custom "value"`: reported with the step.', "action mark: type, value"),
    "hangup": ("Hang up.", "action hangup"),
}
TOP_KEYWORDS = ["region", "dialer", "simple_dialer", "step"]
STEP_KEYWORDS = ["voice", "say", "keys", "timeout", "retries", "invalid", "on"]
ACTION_KEYWORDS = ["play", "wait", "goto", "call", "mark", "hangup"]
DIALER_KEYWORDS = [
    "return_address",
    "number",
    "numbers from queue",
    "cli",
    "dtmf",
    "max_retries",
    "ring_timeout",
    "retry_wait_time",
    "schedule",
]
SIMPLE_KEYWORDS = [
    "leg_a",
    "leg_b",
    "numbers from campaign",
    "say",
    "voice",
    "answer_delay",
    "dial_at",
    "max_retries",
    "ring_timeout",
    "retry_wait_time",
]
