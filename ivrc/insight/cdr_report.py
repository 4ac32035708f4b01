"""Call records for people: a table, and a summary of answers, causes, marks and keys."""

from __future__ import annotations

from collections import Counter

from ivrc.running.records import HANGUP_CAUSES, CdrRecord


def _keys(record: CdrRecord) -> str:
    return " ".join(f"{step}:{keys}" for step, keys in record.keys) or "-"


def table(records: list[CdrRecord]) -> str:
    headers = ("number", "answered", "duration", "billed", "hangup cause", "marks", "keys")
    rows = [
        (
            r.phone_number,
            "yes" if r.answered else "no",
            f"{r.duration} s",
            f"{r.billsec} s",
            r.cause_in_words,
            " ".join(r.marks) or "-",
            _keys(r),
        )
        for r in records
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    if not rows:
        lines.append("(no calls yet)")
    return "\n".join(lines) + "\n"


def summary_text(records: list[CdrRecord]) -> str:
    calls = len(records)
    if not calls:
        return "calls: 0 (no calls yet)\n"
    answered = sum(1 for r in records if r.answered)
    lines = [f"calls: {calls}, answered: {answered} ({answered / calls:.0%})", "hangup causes:"]
    for cause, count in Counter(r.hangup_cause for r in records).most_common():
        lines.append(f"  {cause} ({HANGUP_CAUSES.get(cause, 'not in the document')}): {count}")
    marks = Counter(mark for r in records for mark in r.marks)
    lines.append("marks:")
    lines += [f"  {mark}: {count}" for mark, count in sorted(marks.items(), key=lambda item: (-item[1], item[0]))] or [
        "  (none)"
    ]
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
