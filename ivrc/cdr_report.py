"""Call records for people: a table, and a summary of answers, causes and keys."""

from __future__ import annotations

from collections import Counter

from ivrc.api.cdr import HANGUP_CAUSES, CdrRecord


def _keys(record: CdrRecord) -> str:
    return " ".join(f"{step}:{keys}" for step, keys in record.keys) or "-"


def table(records: list[CdrRecord]) -> str:
    headers = ("number", "answered", "duration", "billed", "hangup cause", "keys")
    rows = [
        (r.phone_number, "yes" if r.answered else "no", f"{r.duration} s", f"{r.billsec} s", r.cause_in_words, _keys(r))
        for r in records
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    if not rows:
        lines.append("(no calls yet)")
    return "\n".join(lines) + "\n"


def summary_text(records: list[CdrRecord]) -> str:
    calls = len(records)
    answered = sum(1 for r in records if r.answered)
    rate = f"{answered / calls:.0%}" if calls else "-"
    lines = [f"calls: {calls}, answered: {answered} ({rate})", "hangup causes:"]
    for cause, count in Counter(r.hangup_cause for r in records).most_common():
        lines.append(f"  {cause} ({HANGUP_CAUSES.get(cause, 'not in the document')}): {count}")
    steps: dict[str, Counter[str]] = {}
    for record in records:
        for step, keys in record.keys:
            steps.setdefault(step, Counter())[keys] += 1
    lines.append("keys pressed, by step:")
    for step, counts in steps.items():
        spread = ", ".join(f"{keys}: {count}" for keys, count in sorted(counts.items()))
        lines.append(f"  {step}: {spread}")
    if not steps:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"
