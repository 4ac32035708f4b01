"""A personal campaign's rows spread over processes give what one process gives, byte for byte:
the requests in row order, every finding with its row and place, the counts, the rows left out;
and a file that cannot be cut at its line ends is read by one process."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivrc.build import batch, batch_spread
from ivrc.build.library import analyze

FLOW = """\
region IL
dialer "spread" {
    return_address "https://example.com/r"
    number recipient.phone
}
step a {
    say "Hello $name$, see you at $time$" with name = recipient.name, time = recipient.time
    on 1 -> hangup
    on 3 -> call recipient.office cli "03-000-0000"
}
"""
TEMPLATE = analyze(FLOW, emit_request=True, recipients=True).template
assert TEMPLATE is not None

ROWS = [
    "Dana,+97254{n:07d},09:30,03-555-9876",  # a good row
    "Avi,+97252{n:07d},10:00,03-555-9877",
    '"Cohen, Noa",054-600-0001,11:00,03-555-9876',  # a quoted comma; the same number every time: duplicates
    "דוד,054-601-{n:04d},12:00,03-555-9876",
    "Eli,12345,09:30,03-555-9876",  # not a phone number
    ",054-602-{n:04d},09:30,03-555-9876",  # no name
    "Mia,054-603-{n:04d},$time$,03-555-9876",  # a placeholder in a value
    "Lea,054-604-{n:04d},09:30",  # a value short
    "",  # a blank line: no row
    ",,,",  # a row of empty values: skipped and counted apart
    "Ron,054-605-{n:04d},09:30,03-555-9876,extra",  # a value too many
    "王,054-606-{n:04d},09:30,03-555-9876",  # letters no speech engine of the service speaks
]


def _file(tmp_path: Path, kinds: list[int], header: str = "name,phone,time,office", end: str = "\n") -> Path:
    lines = [header, *(ROWS[k].format(n=n) for n, k in enumerate(kinds))]
    path = tmp_path / "people.csv"
    path.write_bytes((end.join(lines) + end).encode("utf-8"))
    return path


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, keep_rejected: bool = True) -> tuple[tuple, tuple]:
    """One process, then three (a part of a few rows each): the summaries and the requests."""
    monkeypatch.setattr(batch_spread, "WORTH_SPREADING", 0)
    made = []
    for processes in (1, 3):
        out = io.StringIO()
        out.name = str(path.parent / "out.jsonl")  # type: ignore[misc]
        summary = batch.run(
            TEMPLATE, path, "IL", lambda row, unique_id, line, out=out: out.write(line + "\n"),
            keep_rejected=keep_rejected, processes=processes, sink=out,
        )  # fmt: skip
        made.append(
            (
                (summary.rows, summary.requests, summary.empty_rows, summary.header_line, summary.columns),
                summary.diagnostics,
                summary.rejected,
                out.getvalue(),
            )
        )
    return made[0], made[1]


def test_a_file_of_every_kind_of_row_is_the_same_spread(tmp_path, monkeypatch):
    path = _file(tmp_path, [n % len(ROWS) for n in range(400)])
    parts, rows = batch_spread.cut(path, 1, ",", 12) or ([], 0)
    assert len(parts) == 12 and rows == 400 - 33 - 33  # less 33 blank lines and 33 rows of empty values
    one, spread = _both(path, monkeypatch)
    assert spread == one
    counts, findings, rejected, requests = one
    assert counts[0] > 300 and counts[1] > 100 and counts[2] > 0
    assert {d.rule for d in findings} >= {"duplicate-recipient", "invalid-phone-number", "malformed-row", "empty-value"}
    assert rejected and requests.count("\n") == counts[1]
    assert not list(tmp_path.glob(".ivrc-part-*")), "no part's requests are left behind"


def test_windows_line_ends_a_byte_order_mark_and_an_id_column(tmp_path, monkeypatch):
    path = _file(tmp_path, [n % 4 for n in range(300)], header="\ufeffname,phone,time,office", end="\r\n")
    assert _both(path, monkeypatch)[1] == _both(path, monkeypatch)[0]
    with_ids = tmp_path / "ids.csv"
    rows = "".join(f"{n},Dana,054-600-{n % 7:04d},09:30,03-555-9876\n" for n in range(200))
    with_ids.write_text("id,name,phone,time,office\n" + rows, encoding="utf-8")
    one, spread = _both(with_ids, monkeypatch)
    assert spread == one and one[1] == []  # an `id` tells apart those who share a phone


def test_a_quoted_value_across_lines_is_read_by_one_process(tmp_path, monkeypatch):
    path = _file(tmp_path, [0] * 100)
    path.write_text(path.read_text(encoding="utf-8") + '"Tal\nAviv",054-699-0001,09:30,03-555-9876\n', "utf-8")
    assert batch_spread.cut(path, 1, ",", 4) is None
    one, spread = _both(path, monkeypatch)
    assert spread == one


@given(st.lists(st.integers(0, len(ROWS) - 1), min_size=0, max_size=60), st.booleans())
def test_any_mix_of_rows_is_the_same_spread(kinds, keep_rejected):
    import tempfile

    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        one, spread = _both(_file(Path(folder), kinds), monkeypatch, keep_rejected)
        assert spread == one


def _compile(tmp_path: Path, people: Path) -> subprocess.CompletedProcess[str]:
    flow = tmp_path / "flow.ivr"
    flow.write_text(FLOW, encoding="utf-8")
    command = ["compile", str(flow), "--recipients", str(people), "-o", str(tmp_path / "a.jsonl")]
    return subprocess.run([sys.executable, "-m", "ivrc", *command], capture_output=True, text=True)


def test_the_command_line_spreads_a_large_file_and_writes_the_same_requests(tmp_path):
    made = _compile(tmp_path, _file(tmp_path, [n % 4 for n in range(batch_spread.WORTH_SPREADING + 100)]))
    assert made.returncode == 1 and "duplicate-recipient" in made.stderr  # row kind 2 repeats its number
    path = _file(tmp_path, [n % 2 for n in range(batch_spread.WORTH_SPREADING + 100)])
    made = _compile(tmp_path, path)
    assert made.returncode == 0, made.stderr
    out = io.StringIO()
    batch.run(TEMPLATE, path, "IL", lambda row, unique_id, line: out.write(line + "\n"))
    assert (tmp_path / "a.jsonl").read_text(encoding="utf-8") == out.getvalue()


def test_a_ctrl_c_while_the_parts_are_made_leaves_no_requests_behind(tmp_path):
    import signal
    import time

    path = _file(tmp_path, [n % 2 for n in range(batch_spread.WORTH_SPREADING * 5)])
    flow = tmp_path / "flow.ivr"
    flow.write_text(FLOW, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "ivrc", "compile", str(flow), "--recipients", str(path), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".ivrc-part-*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the parts were made before the test could interrupt them"
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    assert not out.exists() and not list(tmp_path.glob(".ivrc-*")), "nobody's request is left on the disk"
