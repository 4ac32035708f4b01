"""Fuzzing the compliance policy's inputs: the policy table, do-not-call lists, call records kept
as history, and recipients read through the gate. Each, mutated, is read or refused with its own
error (a place in the file), never a crash; and through the gate, a row is sent, held back,
rejected or empty: never two of these, never lost.

In CI this runs bounded and derandomized. For a long run:

    IVRC_FUZZ_EXAMPLES=1000000 HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz_policy.py -n 0 -p no:cacheprovider -x
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES_RUN = int(os.environ.get("IVRC_FUZZ_EXAMPLES", "20000" if LONG else "120"))
FUZZ = settings(max_examples=EXAMPLES_RUN, deadline=5000 if LONG else None, suppress_health_check=list(HealthCheck))
MARKETING = EXAMPLES / "marketing"
POLICY_TEXT = (MARKETING / "ivrc.toml").read_text(encoding="utf-8")
LIST_TEXT = "# as of 2026-12-01\nphone,checked\n054-600-0001,2026-11-30\n+972 54 600 0002,\nsha256:" + "ab" * 32 + "\n"
RECORDS_TEXT = (MARKETING / "records" / "autumn.csv").read_text(encoding="utf-8")
PEOPLE_TEXT = (MARKETING / "people.csv").read_text(encoding="utf-8")
HOSTILE = [
    "", " ", "\n", "\r\n", ",", ";", "\t", '"', "'", "#", "[", "]", "{", "}", "=", "-", "+", ":", "/", "*",
    "25:00", "24:01", "00:00-24:00", "21:00-08:00", "08:00-", "-08:00", "friday", "fridy", "Saturday", "0d", "-1d",
    "1e9d", "7/0d", "0/7d", "99999999999999999999", "Asia/Jerusalm", "Etc/Unknown", "UTC", "/etc/passwd",
    "sha256:", "sha256:" + "g" * 64, "sha256:" + "0" * 63, "+", "00", "0", "054-600-0001", "+1 800 555 0100",
    "2026-02-30", "2026-12-05T10:00:00+99:00", "9999-12-31", "0001-01-01", "remove", '""remove""', "\u202e", "\x00",
    "\ufeff", "٣", "true", "false", "[]", "{}", "x" * 200,
]  # fmt: skip


def _mutated(text: str):  # type: ignore[no-untyped-def]
    @st.composite
    def strategy(draw) -> str:  # type: ignore[no-untyped-def]
        out = text
        for _ in range(draw(st.integers(0, 5))):
            where = draw(st.integers(0, len(out) - 1))
            out = out[:where] + draw(st.sampled_from(HOSTILE)) + out[where + draw(st.integers(0, 4)) :]
        return out

    return strategy()


@FUZZ
@given(_mutated(POLICY_TEXT))
def test_a_mutated_policy_reads_or_says_where(tmp_path_factory, text):
    from ivrc.language.config import ConfigError, load

    folder = tmp_path_factory.mktemp("policy")
    path = folder / "ivrc.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    load.cache_clear()
    try:
        load(path)
    except ConfigError as error:
        said = str(error)
        assert said.startswith(str(path)) and "\n" not in said.strip()


@FUZZ
@given(_mutated(LIST_TEXT))
def test_a_mutated_list_reads_or_says_which_line(tmp_path_factory, text):
    from ivrc.compliance.lists import ListError, read_list
    from ivrc.language.files import Unreadable

    path = tmp_path_factory.mktemp("list") / "dnc.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        listed = read_list(path, "IL")
    except ListError as error:
        assert 0 <= error.line <= text.count("\n") + 1
    except Unreadable:
        pass
    else:
        assert len(listed) > 0 and list(listed.numbers) == sorted(listed.numbers)


@FUZZ
@given(_mutated(RECORDS_TEXT))
def test_mutated_history_reads_or_says_which_line(tmp_path_factory, text):
    from ivrc.compliance.history import HistoryError, read_history
    from ivrc.language.files import Unreadable

    path = tmp_path_factory.mktemp("history") / "records.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        history = read_history([path], "IL", 0)
    except (HistoryError, Unreadable):
        return
    assert list(history.opted_out) == sorted(set(history.opted_out))
    assert len(history.numbers) == len(history.times)


def _marketing_template(tmp_path: Path):  # type: ignore[no-untyped-def]
    import shutil

    from ivrc.build.library import analyze
    from ivrc.language.config import load

    shutil.copytree(MARKETING, tmp_path / "marketing")
    config = load((tmp_path / "marketing" / "ivrc.toml").resolve())
    source = (tmp_path / "marketing" / "offer.ivr").read_text(encoding="utf-8")
    result = analyze(source, path="offer.ivr", emit_request=True, recipients=True, config=config)
    assert result.template is not None
    return result.template, tmp_path / "marketing"


@FUZZ
@given(_mutated(PEOPLE_TEXT))
def test_mutated_recipients_through_the_gate_are_sent_held_rejected_or_empty(tmp_path_factory, text):
    from ivrc.build import batch
    from ivrc.build.recipients import RecipientsError
    from ivrc.compliance.setup import gate_for, start_time
    from ivrc.language.diagnostics import Severity
    from ivrc.language.files import Unreadable

    template, folder = _marketing_template(tmp_path_factory.mktemp("gate"))
    gate = gate_for(template.model, template.request, "IL", start_time("2026-12-07T07:00+02:00"))
    assert gate is not None
    gate.prepare()
    path = folder / "people.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    sent: list[int] = []

    def emit(row, unique_id, line) -> None:  # type: ignore[no-untyped-def]
        request = json.loads(line)
        assert request["schedule_type"] == "timestamp" and request["schedule"] >= gate.start
        sent.append(row.number)

    try:
        summary = batch.run(template, path, "IL", emit, gate=gate, keep_rejected=True)
    except (Unreadable, RecipientsError):
        return
    rejected = {r.row for r in summary.rejected}
    assert not rejected & set(sent)
    assert len(sent) == summary.requests and len(set(sent)) == len(sent)
    assert summary.requests + summary.held + len(rejected) == summary.rows  # empty rows are not rows
    assert all(d.severity is not Severity.ERROR or d.line > 0 for d in summary.diagnostics)


@FUZZ
@given(
    st.datetimes(),
    st.integers(-12, 14),
    st.sampled_from(["", "x", "-", ":", "9"]),
    st.integers(0, 21),
)
def test_the_fast_reading_of_record_times_is_the_records_own(moment, hours, noise, where):
    """History reads the service's `2016-03-30 14:53:50+03` by its fixed places; it must agree
    with `parse_time`, the records' own reading, on every text, good or bad."""
    from ivrc.compliance.history import _epoch
    from ivrc.running.records import parse_time

    text = f"{moment:%Y-%m-%d %H:%M:%S}{'+' if hours >= 0 else '-'}{abs(hours):02d}"
    text = text[:where] + noise + text[where + len(noise) :] if noise else text
    try:
        expected: int | str | None = int(parse_time(text).timestamp())  # type: ignore[union-attr]
    except ValueError:
        expected = "refused"
    try:
        got: int | str | None = _epoch(text)
    except ValueError:
        got = "refused"
    assert got == expected, text
