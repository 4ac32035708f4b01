"""The `ivrc` command, a thin shell over `ivrc.build.library`: the language's commands (compile, lint,
fmt, decompile, simulate, test, graph, lsp, rules), and the other command modules, imported
here to register their commands on the shared `app` in the order `ivrc --help` lists them."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ivrc.cli import lint as cli_lint
from ivrc.cli.app import (
    CampaignOption,
    ConfigOption,
    RecipientsOption,
    RecordingsOption,
    RegionOption,
    SkipInvalidOption,
    _deliver,
    _discover,
    _fail,
    _flow_region,
    _folder,
    _name_campaign,
    _nothing_found,
    _read,
    _read_or_fail,
    _region,
    _report,
    _settings,
    app,
)
from ivrc.cli.help import Command, choices, complete_files, complete_rules, whole_number
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, LINT_FORMATS, UsageError
from ivrc.cli.lint import colour as _colour
from ivrc.language.files import write_atomically

if TYPE_CHECKING:
    from ivrc.build.batch import Summary
    from ivrc.build.library import Result
    from ivrc.language.config import Config

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "app"]


@app.command("compile", cls=Command)
def compile_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE",
            help="The .ivr file (several with --check).",
            show_default=False,
            autocompletion=complete_files(".ivr"),
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="OUT", help="Write the JSON here instead of to stdout.")
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; fail when FILE.json (or OUT) is missing or differs from what FILE compiles to.",
        ),
    ] = False,
    region: RegionOption = None,
    recordings: RecordingsOption = None,
    recipients: RecipientsOption = None,
    campaign: CampaignOption = None,
    skip_invalid: SkipInvalidOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Compile FILE to the request JSON. Nothing is written when it has errors. A template flow
    with --recipients gives one request per recipient, as JSON Lines."""
    from ivrc.build.library import analyze, dumps

    if len(files) > 1 and (not check or output is not None):
        _fail("compile takes one FILE; with --check it takes several, each compared with its FILE.json")
    flags: dict[str, object] = {"region": _region(region), "recordings": _folder(recordings, "--recordings")}
    if check:
        from ivrc.cli import compile_check as cli_compile_check

        try:
            verdict = cli_compile_check.check(files, output, recipients, config_file, flags)
        except UsageError as error:
            _fail(str(error))
        for line in verdict.stale:
            typer.echo(f"ivrc: {line}", err=True)
        raise typer.Exit(EXIT_FINDINGS if verdict.failed or verdict.stale else EXIT_OK)
    if recipients is not None or _settings(files[0], config_file).recipients is not None:
        _compile_batch(files[0], output, recipients, config_file, flags, campaign, skip_invalid)
        return
    if campaign is not None or skip_invalid is not None:
        _fail(f"{'--campaign' if campaign is not None else '--skip-invalid'} is for a template flow with --recipients")
    file = files[0]
    try:
        source = _read(file)
    except UsageError as error:
        _fail(str(error))
    result = analyze(source, path=str(file), config=_settings(file, config_file, **flags), emit_request=True)
    _report(result, source, sys.stderr)
    if result.request is None:
        raise typer.Exit(EXIT_FINDINGS)
    _deliver(dumps(result.request), output)


def _compile_batch(
    file: Path,
    output: Path | None,
    named: Path | None,
    config_file: Path | None,
    flags: dict[str, object],
    campaign: str | None = None,
    skip_invalid: Path | None = None,
) -> None:
    """One request per recipient, as JSON Lines in row order; nothing is written when a row or
    the flow has errors, so a batch is never half there."""
    import shutil

    from ivrc import checks
    from ivrc.cli import recipients as cli_recipients
    from ivrc.insight import render

    try:
        source = _read(file)
    except UsageError as error:
        _fail(str(error))
    config = _settings(file, config_file, **flags)
    path = named or config.recipients
    assert path is not None
    result = _template(file, source, config)
    _name_campaign(result, campaign)
    _report(result, source, sys.stderr)  # its warnings
    target = output
    folder = (target.parent if str(target.parent) else Path(".")) if target is not None else None
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="\n", dir=folder, prefix=".ivrc-batch-", suffix=".jsonl", delete=False
    ) as sink:
        temporary = Path(sink.name)
        assert result.template is not None  # _template said so
        try:
            summary = cli_recipients.run(
                result.template,
                path,
                _flow_region(result, config),
                lambda row, unique_id, line: sink.write(line + "\n"),
                keep_rejected=skip_invalid is not None,
            )
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    findings = checks.configure(summary.diagnostics, config)
    report = cli_recipients.report(path, findings)
    sys.stderr.write(render.text_report([report], _colour(sys.stderr)))
    from ivrc.language.diagnostics import has_errors

    left_out = ""
    if has_errors(findings) and skip_invalid is not None and summary.row_errors_only(str(path), findings):
        _write_rejected(skip_invalid, summary)
        left_out = (
            f"; {len(summary.rejected)} row{'s' if len(summary.rejected) != 1 else ''} with errors left out, written "
            f"to {skip_invalid}"
        )
    elif has_errors(findings):
        temporary.unlink(missing_ok=True)
        typer.echo(f"ivrc: nothing was written: {path} has errors", err=True)
        raise typer.Exit(EXIT_USAGE if cli_recipients.unreadable(findings) else EXIT_FINDINGS)
    if target is None:
        with temporary.open("rb") as handle:
            sys.stdout.flush()
            shutil.copyfileobj(handle, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        temporary.unlink()
    else:
        try:
            os.replace(temporary, target)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            _fail(f"{target}: cannot write: {error.strerror or error}")
    empty = (
        f" ({summary.empty_rows} empty row{'s' if summary.empty_rows != 1 else ''} skipped)"
        if summary.empty_rows
        else ""
    )
    typer.echo(
        f"{summary.requests} request{'s' if summary.requests != 1 else ''} for {summary.rows} "
        f"row{'s' if summary.rows != 1 else ''} of {path}{empty}{left_out}",
        err=True,
    )


def _write_rejected(target: Path, summary: Summary) -> None:
    from ivrc.cli import recipients as cli_recipients

    try:
        cli_recipients.write_rejected(target, summary)
    except OSError as error:
        _fail(f"--skip-invalid {target}: cannot write: {error.strerror or error}")


def _template(file: Path, source: str, config: Config) -> Result:
    """A template flow compiled for its recipients; exit 1 with its findings, or 2 when the
    flow takes nothing from recipients."""
    from ivrc.build.library import analyze

    result = analyze(source, path=str(file), config=config, emit_request=True, recipients=True)
    if result.template is None:
        _report(result, source, sys.stderr)
        if result.request is not None:
            _fail(f"--recipients: {file} takes no values from recipients; a template flow uses `recipient.NAME` fields")
        raise typer.Exit(EXIT_FINDINGS)
    return result


@app.command("lint", cls=Command)
def lint_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help=".ivr files, request .json files, or folders to search for both.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".json"),
        ),
    ],
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            **choices(*LINT_FORMATS),
            help=(
                "text for people; json, sarif or github for machines. Default: github under GitHub Actions, else text."
            ),
        ),
    ] = None,
    region: RegionOption = None,
    recordings: RecordingsOption = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select", metavar="RULES", help="Run only these rules (comma-separated).", autocompletion=complete_rules
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore", metavar="RULES", help="Do not run these rules (comma-separated).", autocompletion=complete_rules
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    no_suppress: Annotated[
        bool, typer.Option("--no-suppress", help="Report findings that `# ivrc: ignore[...]` comments suppress.")
    ] = False,
    recipients: RecipientsOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Check flows and requests and report every finding. Exit 1 when any is an error."""
    try:
        code = cli_lint.lint(
            paths,
            output_format=output_format,
            region=region,
            recordings=recordings,
            select=select,
            ignore=ignore,
            strict=strict,
            no_suppress=no_suppress,
            recipients=recipients,
            config_file=config_file,
        )
    except UsageError as error:
        _fail(str(error))
    if code:
        raise typer.Exit(code)


@app.command("fmt", cls=Command)
def fmt_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help=".ivr files, or folders to search for them.",
            show_default=False,
            autocompletion=complete_files(".ivr"),
        ),
    ],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 and list the files that would change.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Write nothing; print what would change as a unified diff.")
    ] = False,
) -> None:
    """Rewrite .ivr files in the canonical layout, keeping every comment."""
    import difflib

    from ivrc.build.library import CompileError, FormatError, fmt
    from ivrc.insight import render

    found, missing = _discover(paths, (".ivr",))
    if not found and not missing:
        _nothing_found(paths, ".ivr files")
    files = [file for file, _ in found]
    problems = [f"{path}: no such file or folder" for path in missing]
    changed: list[Path] = []
    broken = unreadable = 0
    for file in files:
        try:
            source = _read(file)
        except UsageError as error:
            problems.append(str(error))
            unreadable += 1
            continue
        try:
            formatted = fmt(source, path=str(file))
        except CompileError as error:
            broken += 1  # left untouched; say why
            colour = _colour(sys.stderr)
            for diagnostic in error.diagnostics:
                typer.echo(render.text(diagnostic, source, colour), err=True)
            continue
        except FormatError as error:
            problems.append(str(error))
            unreadable += 1
            continue
        if formatted == source:
            continue
        changed.append(file)
        if diff:
            name = str(file)
            sys.stdout.writelines(
                difflib.unified_diff(
                    source.splitlines(True), formatted.splitlines(True), f"{name} (original)", f"{name} (formatted)"
                )
            )
        elif check:
            typer.echo(f"would reformat {file}")
        else:
            try:
                write_atomically(file, formatted)
            except OSError as error:
                problems.append(f"{file}: cannot write: {error.strerror or error}")
    sys.stdout.flush()
    for problem in problems:
        typer.echo(f"ivrc: error: {problem}", err=True)
    typer.echo(
        _fmt_summary(
            len(changed),
            len(files) - len(changed) - broken - unreadable,
            broken,
            unreadable + len(missing),
            check or diff,
        ),
        err=True,
    )
    if problems:
        raise typer.Exit(EXIT_USAGE)
    if broken or (check and changed):
        raise typer.Exit(EXIT_FINDINGS)


def _fmt_summary(changed: int, unchanged: int, broken: int, unreadable: int, dry: bool) -> str:
    """Counts of what happened to each file; a file that was not read is counted as such, never as unchanged."""
    noun = "file" if changed == 1 else "files"
    parts = [f"{changed} {noun} {'would be reformatted' if dry else 'reformatted'}", f"{unchanged} left unchanged"]
    if broken:
        parts.append(f"{broken} not formatted because of syntax errors")
    if unreadable:
        parts.append(f"{unreadable} could not be read")
    return ", ".join(parts) + "."


@app.command("decompile", cls=Command)
def decompile_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A dialer or simple dialer request (.json).",
            show_default=False,
            autocompletion=complete_files(".json"),
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="OUT", help="Write the .ivr here instead of to stdout.")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            metavar="CODE",
            help="The region the request's local numbers belong to; written as the file's `region` line.",
        ),
    ] = None,
) -> None:
    """Turn a JSON request into .ivr that compiles back to the same request."""
    from ivrc.build.library import CompileError, decompile
    from ivrc.insight import render

    region = _region(region)
    try:
        source = _read(file)
        written = decompile(source, path=str(file), region=region)
    except UsageError as error:
        _fail(str(error))
    except CompileError as error:
        colour = _colour(sys.stderr)
        for diagnostic in error.diagnostics:
            typer.echo(render.text(diagnostic, source, colour), err=True)
        raise typer.Exit(EXIT_FINDINGS) from None
    _deliver(written, output)


def _request(file: Path, region: str | None, config_file: Path | None) -> dict[str, Any]:
    """The request FILE stands for (a .ivr compiled, or JSON read); exit 1 with its errors when none."""
    from ivrc.build.library import request_of

    try:
        source = _read(file)
    except UsageError as error:
        _fail(str(error))
    result = request_of(source, path=str(file), config=_settings(file, config_file, region=_region(region)))
    if result.request is None:
        _report(result, source, sys.stderr)
        raise typer.Exit(EXIT_FINDINGS)
    return result.request


def _personal_request(
    file: Path, region: str | None, config_file: Path | None, named: Path | None, row: int | None
) -> dict[str, Any]:
    """The request of one recipient of a template flow: its row checked and filled in."""
    import json

    from ivrc import checks
    from ivrc.cli import recipients as cli_recipients
    from ivrc.insight import render
    from ivrc.language.diagnostics import has_errors

    source = _read_or_fail(file)
    config = _settings(file, config_file, region=_region(region))
    path = named or config.recipients
    if path is None or row is None:
        _fail("--recipients FILE and --row N go together: the row is the recipient whose call to play")
    if row < 1:
        _fail(f"--row {row}: rows are counted from 1, the first row after the header")
    result = _template(file, source, config)
    assert result.template is not None  # _template said so
    found: list[str] = []
    summary = cli_recipients.run(
        result.template,
        path,
        _flow_region(result, config),
        lambda r, _, line: found.append(line) if r.number == row else None,
        stop_after=row,
    )
    own = [d for d in checks.configure(summary.diagnostics, config) if d.rule != "unused-column"]
    if summary.rows < row:
        _fail(f"--row {row}: {path} has {summary.rows} row{'s' if summary.rows != 1 else ''} of recipients")
    if not found:
        sys.stderr.write(render.text_report([cli_recipients.report(path, own)], _colour(sys.stderr)))
        if not has_errors(own):
            typer.echo(f"ivrc: error: row {row} of {path} cannot be read", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    request: dict[str, Any] = json.loads(found[0])
    return request


class _Terminal:
    """A caller at the keyboard: sees what the call says, types the keys of each entry."""

    def __init__(self, call: object) -> None:
        self.call = call
        self.shown = 0

    def __call__(self, step: object) -> str | None:
        from ivrc.running.simulate import describe

        events = self.call.events  # type: ignore[attr-defined]
        for event in events[self.shown :]:
            typer.echo(describe(event))
        self.shown = len(events)
        offered = ", ".join(step.offered)  # type: ignore[attr-defined]
        try:
            typed = input(f"[{step.step_id}] keys ({offered}; Enter for none): ")  # type: ignore[attr-defined]
        except EOFError:
            typer.echo()
            return None
        return typed.strip() or None


@app.command("simulate", cls=Command)
def simulate_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A .ivr flow or a JSON request.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".json"),
        ),
    ],
    keys: Annotated[
        str | None,
        typer.Option("--keys", metavar="KEYS", help='The caller\'s entries, comma-separated: "1,11,timeout".'),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", **choices("text", "json"), help="text (a transcript) or json.")
    ] = "text",
    region: RegionOption = None,
    recipients: RecipientsOption = None,
    row: Annotated[
        int | None,
        typer.Option(
            "--row",
            metavar="N",
            parser=whole_number,
            help="With --recipients: the recipient whose call to play (1 is the first row after the header).",
        ),
    ] = None,
    config_file: ConfigOption = None,
) -> None:
    """Run one call of FILE without a phone: scripted with --keys, or typed at a terminal."""
    import json

    from ivrc.running.simulate import Call, parse_keys, run, scripted, transcript

    request = (
        _personal_request(file, region, config_file, recipients, row)
        if recipients is not None or row is not None
        else _request(file, region, config_file)
    )
    call = Call()
    if keys is not None:
        try:
            caller = scripted(parse_keys(keys))
        except ValueError as error:
            _fail(f"--keys: {error}")
    elif sys.stdin.isatty() and output_format == "text":
        caller = _Terminal(call)  # type: ignore[assignment]  # a caller at a keyboard, not a script
    else:
        caller = scripted([])  # no terminal and no keys: a caller who presses nothing
    try:
        run(request, caller, call)
    except KeyboardInterrupt:
        typer.echo("\ninterrupted", err=True)
        raise typer.Exit(130) from None
    left = caller.left if not isinstance(caller, _Terminal) else []
    if left and keys is not None:
        shown = ", ".join("timeout" if entry is None else entry for entry in left)
        typer.echo(f"ivrc: the call ended ({call.end}) before these entries of --keys were used: {shown}", err=True)
    if output_format == "json":
        sys.stdout.write(json.dumps(call.as_json(), ensure_ascii=False, indent=2) + "\n")
    elif isinstance(caller, _Terminal):
        sys.stdout.write(transcript(call.events[caller.shown :]) if caller.shown < len(call.events) else "")
    else:
        sys.stdout.write(transcript(call.events))


@app.command("test", cls=Command)
def test_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help=".ivrtest files, .ivr files with one beside them, or folders.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".ivrtest"),
        ),
    ],
    region: RegionOption = None,
    config_file: ConfigOption = None,
    coverage: Annotated[
        bool, typer.Option("--coverage", help="Count the steps, keys and ends the scenarios reach, and print a table.")
    ] = False,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            metavar="PCT",
            min=0,
            max=100,
            help="With coverage: exit 1 when the total is under PCT percent.",
        ),
    ] = None,
    coverage_report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="With coverage: write an HTML page with the untested parts marked on each flow.",
        ),
    ] = None,
) -> None:
    """Run the scenarios of flow tests (*.ivrtest) and end with `N passed, M failed`."""
    from ivrc.build.library import request_of
    from ivrc.running.flowtest import ScenarioError, Target, discover, load, run_suite

    files, problems, untested = discover(paths)
    outcomes = []
    not_run = 0
    measured = cli_insight.Coverage() if coverage or fail_under is not None or coverage_report is not None else None
    for flow in untested:
        typer.echo(f"ivrc: {flow} has no flow tests ({flow.with_suffix('.ivrtest').name} beside it)", err=True)
        if measured is not None:
            measured.untested(flow, _settings(flow, config_file, region=_region(region)))
    for file in files:
        try:
            suite = load(file)
        except ScenarioError as error:
            problems.append(str(error))
            continue
        problems.extend(str(problem) for problem in suite.problems)
        not_run += len(suite.problems)
        try:
            source = _read(suite.flow)
        except UsageError as error:
            problems.append(str(error))
            not_run += len(suite.scenarios)
            continue
        config = _settings(suite.flow, config_file, region=_region(region))
        result = request_of(source, path=str(suite.flow), config=config, recipients=suite.recipients is not None)
        if result.template is not None and suite.recipients is not None:
            rows = _scenario_rows(result, config, suite)
            ran = run_suite(suite, file, Target(None, _flow_region(result, config), rows))
            outcomes.extend(ran)
            if measured is not None:
                measured.add(suite.flow, result, config, ran)
            continue
        if result.request is None:
            # `ivrc lint` shows the findings; here one line says why the scenarios did not run.
            problems.append(f"{suite.flow}: has errors, so its scenarios did not run; see `ivrc lint {suite.flow}`")
            not_run += len(suite.scenarios)
            continue
        flow_region = _flow_region(result, config)
        ran = run_suite(suite, file, Target(result.request, flow_region))
        outcomes.extend(ran)
        if measured is not None:
            measured.add(suite.flow, result, config, ran)
    for outcome in outcomes:
        mark = "PASS" if outcome.passed else "FAIL"
        typer.echo(f"{mark} {outcome.file}:{outcome.scenario.line}: {outcome.scenario.name}")
        for failure in outcome.failures:
            typer.echo(f"     {failure}")
    for problem in problems:
        typer.echo(f"ivrc: error: {problem}", err=True)
    if not files:
        if problems:
            raise typer.Exit(EXIT_USAGE)
        if untested:
            typer.echo("No flow tests to run for these flows.")
            return
        if all(p.suffix in (".csv", ".jsonl") and p.is_file() for p in paths):
            typer.echo("No flow tests play these recipients.")
            return
        _nothing_found(paths, "flow tests (*.ivrtest)")
    failed = sum(1 for o in outcomes if not o.passed)
    summary = f"{len(outcomes) - failed} passed, {failed} failed"
    typer.echo(summary + (f", {not_run} not run" if not_run else ""))
    under = measured.finish(fail_under, coverage_report) if measured is not None else False
    if problems:
        raise typer.Exit(EXIT_USAGE)
    if failed or not outcomes or under:
        raise typer.Exit(EXIT_FINDINGS)


def _scenario_rows(result: Result, config: Config, suite: object) -> dict[int, dict[str, Any]]:
    """The requests of the recipients that a template flow's scenarios name by `row`."""
    import json

    from ivrc.cli import recipients as cli_recipients

    wanted = {s.row for s in suite.scenarios}  # type: ignore[attr-defined]
    rows: dict[int, dict[str, Any]] = {}

    def keep(row: object, _: str, line: str) -> None:
        if row.number in wanted:  # type: ignore[attr-defined]
            rows[row.number] = json.loads(line)  # type: ignore[attr-defined]

    cli_recipients.run(result.template, suite.recipients, _flow_region(result, config), keep, stop_after=max(wanted))  # type: ignore[arg-type, attr-defined]
    return rows


_NOTHING_TO_DRAW = frozenset({"syntax-error", "missing-request", "multiple-requests", "missing-step", "misplaced-step"})


@app.command("graph", cls=Command)
def graph_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A .ivr flow or a JSON request.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".json"),
        ),
    ],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            **choices("mermaid", "dot", "svg"),
            help="mermaid (renders on GitHub), dot, or svg (needs Graphviz).",
        ),
    ] = "mermaid",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="OUT", help="Write the diagram here instead of to stdout."),
    ] = None,
    region: RegionOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Draw FILE's steps and where each key leads; unreachable steps stand out."""
    import shutil

    from ivrc.build.library import analyze
    from ivrc.insight import graph as diagrams
    from ivrc.insight import render
    from ivrc.language import model as semantics

    try:
        source = _read(file)
    except UsageError as error:
        _fail(str(error))
    config = _settings(file, config_file, region=_region(region))
    result = analyze(source, path=str(file), config=config)
    # Findings that leave nothing true to draw; the others (a dangling goto, say) are drawn.
    blocking = [d for d in result.diagnostics if d.rule in _NOTHING_TO_DRAW]
    if result.flow is None or blocking:
        colour = _colour(sys.stderr)
        for diagnostic in blocking:
            typer.echo(render.text(diagnostic, source, colour), err=True)
        typer.echo(f"ivrc: error: {file}: nothing drawn; the flow has errors that leave no call to draw", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    drawn = diagrams.build(semantics.build(result.flow, config))
    text = diagrams.mermaid(drawn) if output_format == "mermaid" else diagrams.dot(drawn, file.stem)
    if output_format == "svg":
        if shutil.which("dot") is None:
            _fail(
                "--format svg needs Graphviz's `dot` program; install Graphviz (e.g. `apt-get install graphviz`), or "
                "use --format dot"
            )
        try:
            text = diagrams.svg(text)
        except diagrams.DrawError as error:
            _fail(f"{file}: {error}")
    _deliver(text, output)


# The commands that talk to the service live in their own module; importing it here registers
# them on `app` in this place, so that `ivrc --help` lists the commands in this order.
from ivrc.cli import cdr as cli_cdr, insight as cli_insight, service as cli_service  # noqa: E402,F401  isort: skip


@app.command("lsp", cls=Command)
def lsp_command() -> None:
    """Run the language server over stdio, for editors."""
    try:
        from ivrc.lsp.features import serve
    except ImportError:
        _fail("the language server needs its extra dependencies: pip install 'ivrc[lsp]'")
    serve()


@app.command("rules", cls=Command)
def rules_command() -> None:
    """List every rule with its default severity."""
    from ivrc.checks import RULES

    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        typer.echo(f"{rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")


@app.command("rule", cls=Command)
def rule_command(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A rule name, such as dangling-goto.",
            show_default=False,
            autocompletion=complete_rules,
        ),
    ],
) -> None:
    """Show a rule's documentation."""
    from ivrc.checks import BY_NAME

    rule = BY_NAME.get(name)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(name, list(BY_NAME), n=1)
        _fail(f"no rule named `{name}`" + (f"; did you mean `{close[0]}`?" if close else "; `ivrc rules` lists them"))
    typer.echo(f"{rule.name} ({rule.severity.value})\n\n{rule.docs}")
