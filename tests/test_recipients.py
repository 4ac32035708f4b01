"""Personal campaigns: recipients files read with positions, compile to JSON Lines with
deterministic unique_ids, simulate one recipient, and the CLI's messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_ivrc

import ivrc
from ivrc.build.recipients import Recipients

FLOW = """\
region IL

dialer "reminder" {
    return_address "https://example.com/r"
    number         recipient.phone
}

step a {
    say "Hello $name$, see you at $time$" with name = recipient.name, time = recipient.time

    on 1 -> mark custom "confirmed"
    on 3 -> call recipient.office cli "03-000-0000"
}
"""
CSV = 'name,phone,time,office\nDana,054-600-0001,09:30,03-555-9876\n"Cohen, Avi",054-600-0002,10:00,03-555-9877\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.ivr").write_text(FLOW, encoding="utf-8")
    (tmp_path / "people.csv").write_text(CSV, encoding="utf-8")
    return tmp_path


def _cells(path: Path) -> list[list[tuple[str, int, int]]]:
    with Recipients(path) as recipients:
        rows = [[(c.value, c.line, c.column) for c in row.cells.values()] for row in recipients.rows()]
        assert recipients.problems == []
    return rows


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_csv_with_or_without_bom_and_crlf_keeps_every_position(tmp_path, line_end, bom):
    text = bom + line_end.join(["name,phone", "Dana,054", '"Cohen, ""Avi""",055', '"two', 'lines",056']) + line_end
    (tmp_path / "r.csv").write_bytes(text.encode("utf-8"))
    assert _cells(tmp_path / "r.csv") == [
        [("Dana", 2, 1), ("054", 2, 6)],
        [('Cohen, "Avi"', 3, 1), ("055", 3, 18)],
        [(f"two{line_end}lines", 4, 1), ("056", 5, 8)],
    ]


def test_json_lines_give_the_same_requests_as_csv(project):
    (project / "people.jsonl").write_text(
        '{"name": "Dana", "phone": "054-600-0001", "time": "09:30", "office": "03-555-9876"}\n'
        '{"name": "Cohen, Avi", "phone": "054-600-0002", "time": "10:00", "office": "03-555-9877"}\n',
        encoding="utf-8",
    )
    from_csv = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", cwd=project)
    from_jsonl = run_ivrc("compile", "flow.ivr", "--recipients", "people.jsonl", cwd=project)
    assert from_csv.returncode == from_jsonl.returncode == 0, from_csv.stderr + from_jsonl.stderr
    assert from_csv.stdout == from_jsonl.stdout
    requests = [json.loads(line) for line in from_csv.stdout.splitlines()]
    assert [r["number"] for r in requests] == ["972546000001", "972546000002"]
    assert requests[1]["ivr"]["steps"][0]["prompt"] == {
        "text": "Hello $name$, see you at $time$",
        "fields": 2,
        "name": "Cohen, Avi",
        "time": "10:00",
    }
    assert requests[0]["ivr"]["steps"][0]["actions"][1]["actions"][0]["params"]["number"] == "97235559876"


def test_unique_ids_are_derived_from_the_campaign_and_the_recipient_never_the_flows_text(project):
    first = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", "-o", "a.jsonl", cwd=project)
    again = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", "-o", "b.jsonl", cwd=project)
    assert first.returncode == again.returncode == 0
    assert (project / "a.jsonl").read_bytes() == (project / "b.jsonl").read_bytes()
    ids = [json.loads(line)["unique_id"] for line in (project / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(set(ids)) == 2 and all(i.startswith("reminder-") for i in ids)
    # The same person keeps the same id when rows move or other values change.
    (project / "moved.csv").write_text(
        "name,phone,time,office\nCohen A.,054-600-0002,11:00,03-555-9877\nDana,054-600-0001,09:30,03-555-9876\n",
        encoding="utf-8",
    )
    moved = run_ivrc("compile", "flow.ivr", "--recipients", "moved.csv", cwd=project)
    assert [json.loads(line)["unique_id"] for line in moved.stdout.splitlines()] == ids[::-1]
    # An `id` column tells apart people who share a phone.
    (project / "family.csv").write_text(
        "id,name,phone,time,office\n1,Dana,054-600-0001,09:30,03-555-9876\n2,Noa,054-600-0001,09:45,03-555-9876\n",
        encoding="utf-8",
    )
    family = run_ivrc("compile", "flow.ivr", "--recipients", "family.csv", cwd=project)
    assert family.returncode == 0
    assert len({json.loads(line)["unique_id"] for line in family.stdout.splitlines()}) == 2
    # An edited flow is the same campaign: each person keeps their id, so nobody is called twice.
    (project / "flow.ivr").write_text(FLOW.replace("09", "10").replace('"confirmed"', '"ok"'), encoding="utf-8")
    changed = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert [json.loads(line)["unique_id"] for line in changed.stdout.splitlines()] == ids
    # A new campaign, named by choice: new ids, with its name as their prefix.
    renamed = run_ivrc(
        "compile", "flow.ivr", "--recipients", "people.csv", "--campaign", "reminder-2037-01", cwd=project
    )
    new_ids = [json.loads(line)["unique_id"] for line in renamed.stdout.splitlines()]
    assert all(i.startswith("reminder-2037-01-") for i in new_ids) and not set(new_ids) & set(ids)
    bad = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", "--campaign", "a/b", cwd=project)
    assert (bad.returncode, bad.stderr) == (
        2,
        "ivrc: error: --campaign 'a/b': a campaign's name is 1 to 100 characters, without `/`, `\\`, spaces or control characters\n",
    )


def test_every_request_validates_against_the_schema(project):
    from conftest import SCHEMAS
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS / "dialer.schema.json").read_text(encoding="utf-8"))
    result = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", cwd=project)
    for line in result.stdout.splitlines():
        assert list(Draft202012Validator(schema).iter_errors(json.loads(line))) == []


def test_a_template_without_recipients_says_how_to_give_them(project):
    result = run_ivrc("compile", "flow.ivr", cwd=project)
    assert result.returncode == 1
    assert (
        "error[missing-recipients]: this flow is a template: it takes `recipient.phone`, `recipient.name`, `recipient.time`, `recipient.office`"
        in result.stderr
    )
    assert "give one with --recipients FILE (.csv or .jsonl)" in result.stderr
    assert result.stdout == ""
    assert run_ivrc("lint", "flow.ivr", cwd=project).returncode == 0, "the template alone is checked and clean"


def test_the_configured_recipients_file_is_used(project):
    (project / "ivrc.toml").write_text('recipients = "people.csv"\n', encoding="utf-8")
    (project / "people.csv").write_text(CSV + "Gil,054-6,11:00,03-555-9876\n", encoding="utf-8")
    linted = run_ivrc("lint", "flow.ivr", cwd=project)
    assert linted.returncode == 1
    assert (
        "people.csv:4:5: error[invalid-phone-number]: `054-6` cannot be a phone number: it is too short"
        in linted.stdout
    )


def test_a_recipient_number_of_a_length_no_number_beginning_like_it_has_is_an_error(project):
    """A recipient's number is held to the same reading as a flow's: Israeli numbers that begin
    09 have 8 digits after the 0."""
    (project / "people.csv").write_text(CSV + "Gil,09-774-220,11:00,03-555-9876\n", encoding="utf-8")
    linted = run_ivrc("lint", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert linted.returncode == 1
    assert (
        "people.csv:4:5: error[invalid-phone-number]: `09-774-220` cannot be a phone number: it is too short for IL, where numbers that begin like it have at least 8 digits"
        in linted.stdout
    )


def test_a_batch_with_errors_writes_nothing(project):
    (project / "people.csv").write_text(CSV + ",054-600-0003,10:30,03-555-9876\n", encoding="utf-8")
    to_file = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", "-o", "out.jsonl", cwd=project)
    assert to_file.returncode == 1
    assert not (project / "out.jsonl").exists()
    assert not list(project.glob(".ivrc-batch-*")), "no temporary file left behind"
    to_stdout = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert to_stdout.returncode == 1 and to_stdout.stdout == ""
    assert "people.csv:4:1: error[empty-value]: row 3 has no `name`, which the flow uses" in to_stdout.stderr
    assert to_stdout.stderr.endswith("ivrc: nothing was written: people.csv has errors\n")


def test_many_bad_rows_stay_readable_in_text_and_complete_in_json(project):
    rows = "".join(f"Person {n},12{n},09:30,03-555-9876\n" for n in range(45))
    (project / "people.csv").write_text("name,phone,time,office\n" + rows, encoding="utf-8")
    text = run_ivrc("lint", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert text.stdout.count("error[invalid-phone-number]") == 20
    assert "people.csv: … and 25 more invalid-phone-number findings (--format json lists every one)" in text.stdout
    machine = run_ivrc("lint", "flow.ivr", "--recipients", "people.csv", "--format", "json", cwd=project)
    findings = json.loads(machine.stdout)
    assert sum(1 for f in findings if f["rule"] == "invalid-phone-number") == 45
    github = run_ivrc("lint", "flow.ivr", "--recipients", "people.csv", "--format", "github", cwd=project)
    assert github.stdout.count("::error file=people.csv,line=") == 45


def test_recipients_for_a_flow_that_is_not_a_template(tmp_path):
    shutil.copy(EXAMPLES / "white_rabbit.ivr", tmp_path / "w.ivr")
    (tmp_path / "people.csv").write_text(CSV, encoding="utf-8")
    result = run_ivrc("compile", "w.ivr", "--recipients", "people.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert "w.ivr takes no values from recipients; a template flow uses `recipient.NAME` fields" in result.stderr


def test_simulate_plays_one_recipients_call(project):
    result = run_ivrc("simulate", "flow.ivr", "--recipients", "people.csv", "--row", "2", "--keys", "3", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "says (female voice): Hello Cohen, Avi, see you at 10:00" in result.stdout
    assert "bridges the call to 97235559877" in result.stdout
    beyond = run_ivrc("simulate", "flow.ivr", "--recipients", "people.csv", "--row", "9", cwd=project)
    assert beyond.returncode == 2 and "people.csv has 2 rows of recipients" in beyond.stderr
    alone = run_ivrc("simulate", "flow.ivr", "--row", "1", cwd=project)
    assert alone.returncode == 2 and "--recipients FILE and --row N go together" in alone.stderr


def test_fmt_and_graph_understand_recipient_fields(project):
    messy = FLOW.replace("    number         recipient.phone", "  number recipient.phone")
    assert ivrc.fmt(messy) == FLOW
    graph = run_ivrc("graph", "flow.ivr", cwd=project)
    assert graph.returncode == 0
    assert "call recipient.office" in graph.stdout


def test_the_rate_limit_spaces_requests_evenly():
    from ivrc.service.deploy_batch import RateLimit

    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    limit = RateLimit(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limit.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    RateLimit(None, clock=lambda: now[0], sleep=sleep).wait()
    assert len(slept) == 4


def test_progress_off_a_terminal_is_a_line_at_every_tenth():
    from ivrc.service.deploy_batch import progress_printer

    lines: list[str] = []
    tick, stop = progress_printer(50, lines.append, interactive=False)
    for _ in range(50):
        tick()
    stop()
    assert len(lines) == 10
    assert lines[0].startswith("5/50 recipients (10%)") and lines[-1].startswith("50/50 recipients (100%)")


def test_duplicates_are_found_among_many_rows_as_a_plain_search_finds_them():
    import random
    from array import array

    from ivrc.build.batch import _duplicates

    rng = random.Random(7)
    numbers = array("Q", (rng.choice([972500000000 + rng.randrange(400), rng.randrange(10**12)]) for _ in range(3000)))
    rows = array("I", range(1, 3001))
    found = [
        (d.line, d.message)
        for d in _duplicates(
            numbers, rows, array("I", range(2, 3002)), array("I", [1] * 3000), array("I", [12] * 3000), "r.csv"
        )
    ]
    first: dict[int, int] = {}
    expected = []
    for index, number in enumerate(numbers):
        if number in first:
            expected.append(
                (
                    index + 2,
                    f"row {index + 1} has the same number as row {first[number] + 1} (line {first[number] + 2})",
                )
            )
        else:
            first[number] = index
    assert found == expected and len(found) > 100


def test_progress_on_a_terminal_is_a_bar_with_the_rate_and_time_left(monkeypatch):
    import io

    import rich.progress
    from rich.console import Console

    from ivrc.service import deploy_batch

    shown = io.StringIO()
    console = Console(file=shown, force_terminal=True, width=100)
    original = rich.progress.Progress.__init__

    def on_our_console(self, *columns, **options):  # the bar drawn where the test can read it
        original(self, *columns, **{**options, "console": console, "auto_refresh": False})

    monkeypatch.setattr(rich.progress.Progress, "__init__", on_our_console)
    tick, stop = deploy_batch.progress_printer(20, lambda line: None, interactive=True)
    for _ in range(20):
        tick()
    stop()
    drawn = shown.getvalue()
    assert "20/20" in drawn and "a second" in drawn


def test_the_journal_key_is_made_once_outside_the_project_and_kept_private(tmp_path, monkeypatch):
    import stat

    from ivrc.service.batch_journal import journal_key

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    key = journal_key()
    path = tmp_path / "state" / "ivrc" / "journal.key"
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert journal_key() == key, "the same key on every run"
    assert [p.name for p in path.parent.iterdir()] == ["journal.key"], "no draft left behind"
    path.write_bytes(b"short")
    with pytest.raises(OSError, match="is not a journal key"):
        journal_key()


def _old_journal(tmp_path: Path, sent: int) -> None:
    """A journal as an earlier ivrc wrote it: a `rows` table keyed by a hash of the flow's text."""
    import sqlite3

    old = tmp_path / ".ivrc" / "deploys" / "flow.ivr.batch.sqlite3"
    old.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(old) as db:
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE rows (recipient TEXT PRIMARY KEY, digest TEXT NOT NULL, created INTEGER, started INTEGER);"
        )
        db.executemany("INSERT INTO rows VALUES (?, 'ff', ?, 0)", [(f"r{n}", int(n < sent)) for n in range(3)])
    db.close()


def test_the_journal_keeps_each_recipient_apart_by_service_campaign_and_key(tmp_path):
    from ivrc.service.batch_journal import BatchJournal, Known

    flow = tmp_path / "flow.ivr"
    _old_journal(tmp_path, sent=0)
    journal = BatchJournal(flow, "http://127.0.0.1:9", "spring", b"k" * 32)
    assert journal.counts() == (0, 0), "an earlier layout with nothing sent is begun again"
    journal.record("spring-00aa", journal.digest("{}"), 1, created=True, started=False)
    assert journal.state("spring-00aa") == Known(journal.digest("{}"), 1, True, False)
    journal.record("spring-00aa", journal.digest("{2}"), 2, created=True, started=False)
    assert journal.state("spring-00aa") == Known(journal.digest("{2}"), 2, True, False), (
        "sent again: a generation of its own"
    )
    journal.close()
    again = BatchJournal(flow, "http://127.0.0.1:9", "spring", b"k" * 32)
    assert again.counts() == (1, 0), "the same flow, service and key: kept"
    again.close()
    staging = BatchJournal(flow, "http://127.0.0.1:8", "spring", b"k" * 32)
    assert (staging.counts(), staging.state("spring-00aa")) == ((0, 0), None), "another service knows nothing of it"
    staging.close()
    autumn = BatchJournal(flow, "http://127.0.0.1:9", "autumn", b"k" * 32)
    assert (autumn.counts(), autumn.other_campaigns()) == ((0, 0), 1), "another campaign of the flow is counted apart"
    autumn.close()
    other = BatchJournal(flow, "http://127.0.0.1:9", "spring", b"o" * 32)
    assert other.counts() == (0, 0), "another key cannot match the hashes: begun again"
    other.close()


def test_a_journal_of_an_earlier_layout_that_sent_campaigns_stops_the_deploy(tmp_path):
    from ivrc.service.batch_journal import BatchJournal, JournalError

    _old_journal(tmp_path, sent=2)
    with pytest.raises(JournalError, match="its 2 recipients cannot be matched"):
        BatchJournal(tmp_path / "flow.ivr", "http://127.0.0.1:9", "spring", b"k" * 32)
    shutil.copy(EXAMPLES / "personal_reminder.ivr", tmp_path / "flow.ivr")
    shutil.copy(EXAMPLES / "personal_reminder.csv", tmp_path / "people.csv")
    result = run_ivrc(
        "deploy",
        "flow.ivr",
        "--recipients",
        "people.csv",
        "--yes",
        cwd=tmp_path,
        env={"IVRC_BASE_URL": "http://127.0.0.1:9", "IVRC_USERNAME": "u", "IVRC_PASSWORD": "p"},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ivrc: error: ") and result.stderr.rstrip().endswith(
        "(its recipients are called again); nothing was sent"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_damaged_journal_key_is_one_line_that_says_how_to_mend_it(tmp_path):
    shutil.copy(EXAMPLES / "personal_reminder.ivr", tmp_path / "flow.ivr")
    shutil.copy(EXAMPLES / "personal_reminder.csv", tmp_path / "people.csv")
    key = tmp_path / "state" / "ivrc" / "journal.key"
    key.parent.mkdir(parents=True)
    key.write_bytes(b"short")
    result = run_ivrc(
        "deploy",
        "flow.ivr",
        "--recipients",
        "people.csv",
        "--dry-run",
        cwd=tmp_path,
        env={
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "IVRC_BASE_URL": "http://127.0.0.1:9",
            "IVRC_USERNAME": "u",
            "IVRC_PASSWORD": "p",
        },
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == f"ivrc: error: the deploy journal's key cannot be kept: {key} is not a journal key (32 bytes); remove it and a new one is made\n"
    )


# ---- Excel's habits ----------------------------------------------------------------------------

MALFORMED_CSV = {
    "a quote left open": '"Dana,054-600-0001',
    "a stray quote in a value": 'Da"na,054-600-0001',
    "text after a closing quote": '"Dana"x,054-600-0001',
    "too many values": "Dana,054-600-0001,extra",
    "too few values": "Dana",
}


@pytest.mark.parametrize("kind", MALFORMED_CSV, ids=list(MALFORMED_CSV))
def test_every_row_after_a_malformed_one_keeps_its_number_and_place(tmp_path, kind):
    """The row number is what people join call results on: it never drifts."""
    from ivrc.build import batch
    from ivrc.build.library import analyze

    data = tmp_path / "people.csv"
    data.write_text(
        f"name,phone\nAvi,054-600-0002\n{MALFORMED_CSV[kind]}\nGil,054-6\nNoa,054-600-0004\n", encoding="utf-8"
    )
    template = analyze(TEMPLATE_FLOW, path="flow.ivr", emit_request=True, recipients=True).template
    sent: list[tuple[int, int]] = []
    summary = batch.run(template, data, "IL", lambda row, unique_id, line: sent.append((row.number, row.line)))
    malformed = [d for d in summary.diagnostics if d.rule == "malformed-row"]
    assert (
        len(malformed) == 1 and malformed[0].line == 3 and malformed[0].message.startswith(("row 2:", "row 2 has"))
    ), malformed
    bad_number = [d for d in summary.diagnostics if d.rule == "invalid-phone-number"]
    assert [(d.line, d.column) for d in bad_number] == [(4, 5)]
    assert sent == [(1, 2), (4, 5)], "Avi is row 1 on line 2, Noa row 4 on line 5"


def test_jsonl_rows_after_a_bad_line_keep_their_numbers(tmp_path):
    from ivrc.build import batch
    from ivrc.build.library import analyze

    data = tmp_path / "people.jsonl"
    data.write_text(
        '{"name": "Avi", "phone": "054-600-0002"}\n[1]\n{"name": "Noa", "phone": 5\n{"name": "Gil", "phone": "054-600-0004"}\n',
        encoding="utf-8",
    )
    template = analyze(TEMPLATE_FLOW, path="flow.ivr", emit_request=True, recipients=True).template
    sent: list[int] = []
    batch.run(template, data, "IL", lambda row, unique_id, line: sent.append(row.number))
    assert sent == [1, 4]


TEMPLATE_FLOW = 'region IL\ndialer "r" { return_address "https://example.com/r"; number recipient.phone }\nstep a {\n    say "Hello $name$" with name = recipient.name\n}\n'


@pytest.mark.parametrize("separator", [";", "\t", ","], ids=["semicolon", "tab", "comma"])
def test_the_separator_is_told_from_the_header(project, separator):
    (project / "people.csv").write_text(
        separator.join(["name", "phone", "time", "office"])
        + "\n"
        + separator.join(["Cohen, Avi" if separator != "," else "Avi", "054-600-0002", "10:00", "03-555-9877"])
        + "\n",
        encoding="utf-8",
    )
    result = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert request["number"] == "972546000002"


def test_a_configured_separator_that_the_file_does_not_use_is_one_error(project):
    (project / "people.csv").write_text(
        "name;phone;time;office\nAvi;054-600-0002;10:00;03-555-9877\n", encoding="utf-8"
    )
    (project / "ivrc.toml").write_text('recipients_delimiter = ","\n', encoding="utf-8")
    result = run_ivrc("lint", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if "error[" in line]
    assert errors == [
        "people.csv:1:1: error[malformed-row]: the header is one column, `name;phone;time;office`: its names are separated by `;`, and the values are read as separated by `,`"
    ]
    assert 'set `recipients_delimiter = ";"`' in result.stdout
    (project / "ivrc.toml").write_text('recipients_delimiter = "|"\n', encoding="utf-8")
    bad = run_ivrc("lint", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert bad.returncode == 2 and "recipients_delimiter" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_empty_rows_are_skipped_and_counted(project):
    (project / "people.csv").write_text(
        "name,phone,time,office\nAvi,054-600-0002,10:00,03-555-9877\n,,,\n , ,,\r\n\n", encoding="utf-8"
    )
    result = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", cwd=project)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.splitlines()[-1] == "1 request for 1 row of people.csv (2 empty rows skipped)"


def test_a_spreadsheet_workbook_says_how_to_save_it_as_csv(project):
    import zipfile

    with zipfile.ZipFile(project / "people.xlsx", "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
    (project / "people.csv").write_bytes((project / "people.xlsx").read_bytes())
    for name in ("people.xlsx", "people.csv"):
        result = run_ivrc("lint", "flow.ivr", "--recipients", name, cwd=project)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Excel" in result.stdout and 'Save As > "CSV UTF-8 (Comma delimited) (*.csv)"' in result.stdout, (
            result.stdout
        )


def test_a_missing_recipients_file_is_a_usage_error_like_a_missing_flow(project):
    for command in (["lint", "flow.ivr"], ["compile", "flow.ivr"]):
        result = run_ivrc(*command, "--recipients", "nobody.csv", cwd=project)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "nobody.csv" in result.stdout + result.stderr


def test_a_large_recipients_file_shows_progress_on_a_terminal(project):
    """On a terminal (a pseudo-terminal here), lint and compile of a file over 2 MiB show a bar."""
    import os
    import pty
    import subprocess
    import sys

    rows = "".join(f"Patient {n},+9725200{n:05d},10:00,03-555-9877\n" for n in range(50_000))
    (project / "people.csv").write_text("name,phone,time,office\n" + rows, encoding="utf-8")
    assert (project / "people.csv").stat().st_size > 2 * 1024 * 1024
    for command in (
        ["lint", "flow.ivr", "--recipients", "people.csv", "--select", "invalid-phone-number"],
        ["compile", "flow.ivr", "--recipients", "people.csv", "-o", "out.jsonl"],
    ):
        leader, follower = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
        env.pop("NO_COLOR", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "ivrc", *command],
            cwd=project,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env=env,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
        assert process.wait(timeout=300) in (0, 1)
        assert b"checking people.csv" in seen, seen[-500:]
    quiet = run_ivrc("compile", "flow.ivr", "--recipients", "people.csv", "-o", "out.jsonl", cwd=project)
    assert "checking" not in quiet.stderr, "off a terminal, no bar"


def test_reading_the_journal_never_changes_it(tmp_path):
    """`ivrc cdr --recipients` reads the journal for the campaigns sent again; with another
    user's key it passes the journal over, where a deploy would begin it again."""
    from ivrc.service.batch_journal import BatchJournal, Known

    flow = tmp_path / "flow.ivr"
    journal = BatchJournal(flow, "http://127.0.0.1:9", "spring", b"k" * 32)
    journal.record("spring-00aa", journal.digest("{}"), 2, created=True, started=True)
    journal.close()
    before = journal.path.read_bytes()
    assert BatchJournal.read(flow, "http://127.0.0.1:9", "spring", b"o" * 32) is None
    mine = BatchJournal.read(flow, "http://127.0.0.1:9", "spring", b"k" * 32)
    assert mine is not None and mine.state("spring-00aa") == Known(mine.digest("{}"), 2, True, True)
    mine.close()
    assert journal.path.read_bytes() == before
    assert BatchJournal.read(tmp_path / "other.ivr", "http://127.0.0.1:9", "spring", b"k" * 32) is None
    # A flow named as it is typed, relative to the current folder, as `ivrc cdr --flow flow.ivr` names it.
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        relative = BatchJournal.read(Path("flow.ivr"), "http://127.0.0.1:9", "spring", b"k" * 32)
    finally:
        os.chdir(here)
    assert relative is not None and relative.state("spring-00aa") is not None
    relative.close()


def test_a_rejects_file_that_cannot_be_written_leaves_nothing_behind(project):
    (project / "people.csv").write_text(CSV + "Avi,054-6,10:00,03-555-9877\n", encoding="utf-8")
    out = project / "out"
    out.mkdir()
    result = run_ivrc(
        "compile",
        "flow.ivr",
        "--recipients",
        "people.csv",
        "--skip-invalid",
        "no/such/folder/rejects.csv",
        "-o",
        "out/requests.jsonl",
        cwd=project,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(
        "ivrc: error: --skip-invalid no/such/folder/rejects.csv: cannot write: "
    )
    assert list(out.iterdir()) == [], "no half-made output beside the target"
