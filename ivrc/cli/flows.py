"""`ivrc simulate`, `ivrc test` and `ivrc graph`: running a flow without a phone, its flow tests
(with coverage), and its diagram."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ivrc.cli.app import (
    ConfigOption,
    RecipientsOption,
    RecordingsOption,
    RegionOption,
    _deliver,
    _fail,
    _flow_region,
    _nothing_found,
    _read,
    _region,
    _settings,
    app,
)
from ivrc.cli.help import Command, choices, complete_files, whole_number
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_USAGE, UsageError
from ivrc.cli.lint import colour as _colour
from ivrc.cli.one_call import flow_request, personal_request

if TYPE_CHECKING:
    from ivrc.build.library import Result
    from ivrc.language.config import Config


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
    timing: Annotated[
        bool,
        typer.Option(
            "--timing",
            help="Say when each prompt, key, wait and silence starts and ends, and how long the call is "
            "(spoken lengths from espeak-ng where it is installed, else estimated).",
        ),
    ] = False,
    recordings: RecordingsOption = None,
) -> None:
    """Run one call of FILE without a phone: scripted with --keys, or typed at a terminal."""
    import json

    from ivrc.running.simulate import Call, parse_keys, run, scripted, transcript

    if recordings is not None and not recordings.is_dir():
        _fail(f"--recordings {recordings}: no such folder")
    request = (
        personal_request(file, region, config_file, recipients, row)
        if recipients is not None or row is not None
        else flow_request(file, region, config_file)
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
    if timing:
        from ivrc.cli.timeline import print_timeline

        print_timeline(call, output_format, recordings)
    elif output_format == "json":
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
    junit_xml: Annotated[
        Path | None,
        typer.Option(
            "--junit-xml",
            metavar="FILE",
            help="Also write the results as JUnit XML (a test case per scenario), for GitHub's and GitLab's reports.",
        ),
    ] = None,
) -> None:
    """Run the scenarios of flow tests (*.ivrtest) and end with `N passed, M failed`."""
    # Imported here, not above: `ivrc.cli.commands` registers the insight commands after these.
    from ivrc.build.library import request_of
    from ivrc.cli import insight as cli_insight
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
    if junit_xml is not None:
        from ivrc.insight.ci_report import repository_root
        from ivrc.language.files import write_atomically
        from ivrc.running.junit import junit_xml as as_junit

        try:
            write_atomically(junit_xml, as_junit(outcomes, problems, repository_root()))
        except OSError as error:
            _fail(f"{junit_xml}: cannot write: {error.strerror or error}")
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
    timing: Annotated[
        bool, typer.Option("--timing", help="Label each step with how long its prompts take to say (estimated).")
    ] = False,
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
        typer.echo(render.texts(blocking, source, _colour(sys.stderr)), err=True, nl=False)
        typer.echo(f"ivrc: error: {file}: nothing drawn; the flow has errors that leave no call to draw", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    drawn = diagrams.build(semantics.build(result.flow, config), timing)
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
