"""Structure-aware fuzzing of both front ends and every library entry point.

Inputs are the bundled flows and their compiled requests, mutated: `.ivr` by tokens (hostile
numbers, unicode digits, quotes, braces, keywords), JSON by structure (a value replaced, a key
added, a level nested), and both by bytes. Each input must keep these promises:

- only `CompileError` comes out of `analyze`, `compile`, `fmt`, `decompile`, the simulator and
  the renderers;
- `fmt` is idempotent, and a flow that compiles compiles to the same request after `fmt`;
- compile, then decompile, then compile gives the same request;
- every finding's position is inside the text;
- every call is bounded in time (hypothesis's deadline, in the long profile);
- call records, mutated, either read or fail with `CdrError`, and once read they replay onto a
  flow and make a report and a page without fail; each answered call is on the flow or not;
- `diff` of two mutated flows never fails, a flow against itself or its `fmt` is no change;
- a recipients file, mutated (separators, quotes, empty rows, invisible marks), is read without
  fail, each row in order with its own number and place, and each row sent, rejected or empty.

In CI this runs bounded and derandomized. For a long run:

    IVRC_FUZZ_EXAMPLES=1000000 HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz.py -n 0 -p no:cacheprovider -x
"""

from __future__ import annotations

import contextlib
import json
import os

from conftest import EXAMPLES, GOLDEN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ivrc
from ivrc.build.decompiler import normalise
from ivrc.build.library import analyze, request_of
from ivrc.insight import render
from ivrc.running.simulate import run, scripted

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES_RUN = int(os.environ.get("IVRC_FUZZ_EXAMPLES", "20000" if LONG else "150"))
FUZZ = settings(max_examples=EXAMPLES_RUN, deadline=5000 if LONG else None, suppress_health_check=list(HealthCheck))

FLOWS = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.ivr"))]
REQUESTS = [p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*.json"))]
HOSTILE = [
    "9" * 4301, "1e5000", "1e1000000", "-0", "00", "²", "٣", "０", "\ud800", "\u202e", "\x00", "\t", "\r", "\n", '"', '\\"', "#",
    "{", "}", "[", "]", "..", "->", ";", ",", "=", "recipient.x", "recipient.", "$a$", "$", "on", "step", "goto", "dialer", "say",
    "keys", "none", "file", "with", "3s", "0.5s", "99999999999h", "2036-12-01T09:00+02:00", "9999-12-31T23:59-1400", "0000-01-01T00:00Z",
    '"054-600-0000"', '"+1 415 555 2671"', '"05"', '"09-774-220"', '"020 7946 0958"', '"50000000"', "10..12", "12..10", "0..99999", '"*"', '"#"', "true", "null", "NaN", "Infinity",
    # long runs of junk on one line, which recovery from a syntax error must skip at once
    "1," * 5000, "ש" * 10000, "}" * 3000, ";" * 3000, '"' + "x" * 5000, "# " + "say " * 2000, "step " * 2000,
]  # fmt: skip


def _tokens(text: str) -> list[str]:
    out, word = [], ""
    for char in text:
        if char.isspace() or char in '{}[]();,="':
            if word:
                out.append(word)
                word = ""
            out.append(char)
        else:
            word += char
    return out + ([word] if word else [])


@st.composite
def mutated_flows(draw) -> str:
    tokens = _tokens(draw(st.sampled_from(FLOWS)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, max(len(tokens) - 1, 0)))
        how = draw(st.sampled_from(["replace", "insert", "delete", "duplicate"]))
        token = draw(st.sampled_from(HOSTILE) | st.text(max_size=6))
        if how == "replace" and tokens:
            tokens[where] = token
        elif how == "insert":
            tokens.insert(where, token)
        elif how == "delete" and tokens:
            del tokens[where]
        elif tokens:
            tokens.insert(where, tokens[where])
    return "".join(tokens)


hostile_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.sampled_from(HOSTILE), st.text(max_size=8),
    st.just([]), st.just({}), st.lists(st.sampled_from(HOSTILE), max_size=3),
)  # fmt: skip


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


@st.composite
def mutated_requests(draw) -> str:
    data = json.loads(draw(st.sampled_from(REQUESTS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        how = draw(st.sampled_from(["value", "key", "nest", "drop"]))
        if how == "value":
            parent[path[-1]] = draw(hostile_values)
        elif how == "key" and isinstance(parent, dict):
            parent[
                draw(
                    st.sampled_from(
                        ["count_steps", "dtmf_ivr", "key", "min", "max", "steps", "actions", "params", "schedule", "x"]
                    )
                )
            ] = draw(hostile_values)
        elif how == "nest":
            parent[path[-1]] = [parent[path[-1]]] if draw(st.booleans()) else {"v": parent[path[-1]]}
        elif how == "drop" and isinstance(parent, dict):
            parent.pop(path[-1], None)
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    for literal in draw(st.lists(st.sampled_from(["1e5000", "9" * 4301, "-1e400", "1e-400"]), max_size=2)):
        text = text.replace("0", literal, 1)
    return text


@st.composite
def byte_mutations(draw) -> str:
    text = draw(st.sampled_from(FLOWS + REQUESTS))
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        where = draw(st.integers(0, len(data) - 1))
        data[where] = draw(st.integers(0, 255))
    return data.decode("utf-8", "replace")


def _inside(text: str, diagnostic: ivrc.Diagnostic) -> bool:
    lines = text.split("\n")
    return (
        1 <= diagnostic.line <= len(lines) + 1
        and diagnostic.column >= 1
        and (diagnostic.end_line, diagnostic.end_column) >= (diagnostic.line, diagnostic.column)
    )


def _promises(text: str) -> None:
    path = "fuzz.json" if text.lstrip()[:1] in "{[" else "fuzz.ivr"
    result = analyze(text, path=path)
    assert all(_inside(text, d) for d in result.diagnostics), [(d.rule, d.line, d.column) for d in result.diagnostics]
    render.text_report([render.FileReport(path, text, result.diagnostics)])
    render.sarif_report([render.FileReport(path, text, result.diagnostics)])
    try:
        request = ivrc.compile(text, path=path)
    except ivrc.CompileError:
        request = None
    if path.endswith(".ivr"):
        try:
            tidy = ivrc.fmt(text)
        except ivrc.CompileError:
            tidy = None
        if tidy is not None:
            assert ivrc.fmt(tidy) == tidy, "fmt is idempotent"
            if request is not None:
                assert ivrc.compile(tidy) == request, "fmt keeps the meaning"
    if request is not None:
        region = "IL"
        try:
            written = ivrc.decompile(ivrc.dumps(request), region=region)
        except ivrc.CompileError:
            written = None
        if written is not None:
            again = ivrc.compile(written, region=region)
            # A JSON request compiles to itself as the service reads it; decompile keeps it up
            # to the API's own equivalences (`null` or absent, a string or a one-item array).
            assert normalise(again, region) == normalise(request, region), "compile, decompile, compile"
            if path.endswith(".ivr"):
                assert again == request
    elif path.endswith(".json"):
        with contextlib.suppress(ivrc.CompileError):
            ivrc.decompile(text, region="IL")
    checked = request_of(text, path=path)
    if checked.request is not None:
        run(checked.request, scripted(["1", "2", None, "11"]))
        run(checked.request, lambda step: step.offered[0] if step.offered else None)


@FUZZ
@given(mutated_flows())
def test_mutated_flows_keep_the_promises(text):
    _promises(text)


@FUZZ
@given(mutated_requests())
def test_mutated_requests_keep_the_promises(text):
    _promises(text)


@FUZZ
@given(byte_mutations())
def test_byte_mutations_keep_the_promises(text):
    _promises(text)


CDR_TEXT = (EXAMPLES / "satisfaction_survey.cdr.csv").read_bytes().decode("utf-8")
SURVEY = (EXAMPLES / "satisfaction_survey.ivr").read_text(encoding="utf-8")


@st.composite
def mutated_records(draw) -> str:
    lines = CDR_TEXT.split("\r\n")
    header, rows = lines[0], [line for line in lines[1:] if line]
    chosen = draw(st.lists(st.sampled_from(rows), min_size=1, max_size=6))
    text = "\r\n".join([header, *chosen]) + "\r\n"
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.integers(0, len(text) - 1))
        text = (
            text[:where]
            + draw(st.sampled_from(HOSTILE) | st.sampled_from(['""', '","', "\r", "\n", '\\"', "{", "]"]))
            + text[where + 1 :]
        )
    return text


@FUZZ
@given(mutated_records())
def test_mutated_call_records_report_or_fail_cleanly(text):
    from ivrc.insight import graph as diagrams
    from ivrc.insight import page, report
    from ivrc.insight.traffic import replay
    from ivrc.language import model as semantics
    from ivrc.running.records import CdrError, parse_cdr

    try:
        records = parse_cdr(text)
    except CdrError as error:
        assert str(error)
        return
    result = analyze(SURVEY, path="survey.ivr")
    model = semantics.build(result.flow)
    graph = diagrams.build(model)
    traffic = replay(ivrc.compile(SURVEY), records)
    assert traffic.answered == traffic.tally.calls + traffic.off_flow
    figures = report.figures("survey.ivr", model, graph, traffic, ["fuzz.csv"])
    json.dumps(figures)
    diagrams.dot(graph, "survey", report.overlay(graph, figures, traffic))
    page.campaign(figures, "<svg></svg>")


@FUZZ
@given(mutated_flows(), mutated_flows())
def test_diff_of_mutated_flows(old, new):
    from ivrc.insight import flowdiff
    from ivrc.language import model as semantics

    models = []
    for text in (old, new):
        parsed = analyze(text, path="flow.ivr").flow
        models.append(semantics.build(parsed) if parsed is not None else None)
    diff = flowdiff.compare(*models)
    flowdiff.text(diff), flowdiff.markdown(diff), json.dumps(flowdiff.as_json(diff))
    if models[0] is not None:
        assert flowdiff.compare(models[0], models[0]).changes == []
        try:
            tidy = ivrc.fmt(old)
        except ivrc.CompileError:
            return
        assert flowdiff.compare(models[0], semantics.build(analyze(tidy, path="flow.ivr").flow)).changes == []


RECIPIENTS_TEXT = (EXAMPLES / "personal_reminder.csv").read_text(encoding="utf-8")
PERSONAL = analyze(
    (EXAMPLES / "personal_reminder.ivr").read_text(encoding="utf-8"),
    path="personal_reminder.ivr",
    emit_request=True,
    recipients=True,
).template
RECIPIENT_HOSTILE = [
    ",",
    ";",
    "\t",
    '"',
    '""',
    "\r\n",
    "\n",
    "\r",
    ",,,,,,\n",
    ";;;;;\n",
    "\u200e",
    "\u200f",
    "\u00a0",
    "\u202a",
    "\ufeff",
    "$name$",
    "054-6",
    "+",
    "x" * 300,
]


@st.composite
def mutated_recipients(draw) -> str:
    text = RECIPIENTS_TEXT
    if draw(st.booleans()):
        text = text.replace(",", draw(st.sampled_from([";", "\t", ","])))
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(0, len(text) - 1))
        text = (
            text[:where]
            + draw(st.sampled_from(RECIPIENT_HOSTILE) | st.sampled_from(HOSTILE))
            + text[where + draw(st.integers(0, 3)) :]
        )
    return text


@FUZZ
@given(mutated_recipients())
def test_mutated_recipients_keep_their_places(tmp_path_factory, text):
    """A recipients file, mutated, is read without fail: every request is valid JSON of a row
    without errors, rows come in order with their own numbers and lines, every finding is inside
    the file, and a row is either sent, rejected, or empty; never both or lost."""
    from ivrc.build import batch
    from ivrc.build.recipients import RecipientsError
    from ivrc.language.files import Unreadable

    path = tmp_path_factory.mktemp("fuzz") / "people.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # a lone surrogate makes bytes that are not UTF-8
    sent: list[tuple[int, int]] = []
    try:
        summary = batch.run(
            PERSONAL,
            path,
            "IL",
            lambda row, unique_id, line: sent.append((row.number, row.line)) or json.loads(line),
            keep_rejected=True,
        )
    except (RecipientsError, Unreadable) as error:  # the header itself cannot be read: one message
        assert str(error)
        return
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
    assert sent == sorted(sent) and len({number for number, _ in sent}) == len(sent)
    assert all(1 <= d.line <= lines for d in summary.diagnostics), [(d.line, d.message) for d in summary.diagnostics]
    rejected = {r.row for r in summary.rejected}
    assert not rejected & {number for number, _ in sent}
    assert len(sent) == summary.requests
