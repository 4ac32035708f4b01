"""The timeline `ivrc simulate --timing` prints: when each part of a call starts and ends."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def print_timeline(call: Any, output_format: str, recordings: Path | None) -> None:
    """The call's timeline: each part's start and end, and the call's length."""
    import json

    from ivrc.running.timing import engine, recording_lengths, speaker, timeline

    moments, total = timeline(call.events, speaker(), recording_lengths(recordings))
    source = "espeak-ng" if engine() is not None else "estimated (install espeak-ng for the spoken lengths)"
    if output_format == "json":
        said = {**call.as_json(), "timeline": [m.as_json() for m in moments], "total_seconds": total}
        sys.stdout.write(json.dumps({**said, "durations": source.split(" ")[0]}, ensure_ascii=False, indent=2) + "\n")
        return
    words = {"prompt": "says", "play": "plays", "recording": "plays the recording", "invalid": "says (wrong key)"}
    lines = []
    for moment in moments:
        where = f"{moment.step}: " if moment.step else ""
        if moment.kind == "key":
            what = f"caller presses {moment.text}"
        elif moment.kind in ("wait", "timeout"):
            what = "waits" if moment.kind == "wait" else "silence: no key"
        else:
            what = f"{words.get(moment.kind, moment.kind)}: {moment.text}"
        lines.append(f"{moment.start:7.2f} – {moment.end:7.2f} s  {where}{what}")
    lines.append(f"total: {total:.2f} s; spoken lengths {source}")
    sys.stdout.write("\n".join(lines) + "\n")
