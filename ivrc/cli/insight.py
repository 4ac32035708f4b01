"""The commands that show what a flow does: `ivrc report` (call records drawn on the flow) and
`ivrc diff` (what a change does to a call). Coverage of flow tests is `ivrc test --coverage`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from ivrc.cli.app import (
    ConfigOption,
    EnvOption,
    RegionOption,
    _deliver,
    _fail,
    _read_or_fail,
    _region,
    _report,
    _settings,
    app,
)
from ivrc.cli.help import Command, choices, complete_files
from ivrc.cli.lint import EXIT_FINDINGS


def checked_flow(
    file: Path, config_file: Path | None, region: str | None, env: str | None = None, timing: bool = False
) -> tuple[Any, Any, dict[str, Any]]:
    """A flow's model, diagram and request (a template's with each value named by its column);
    exit 2 with the findings when it has errors."""
    from ivrc.build.library import analyze
    from ivrc.insight import graph as diagrams
    from ivrc.language import model as semantics

    source = _read_or_fail(file)
    config = _settings(file, config_file, env=env, region=_region(region))
    result = analyze(source, path=str(file), config=config, emit_request=True, recipients=True)
    request = result.request
    if result.template is not None:
        names = {name: f"recipient.{name}" for name in result.template.model.field_names}
        request = json.loads(result.template.render(names, ""))
    if result.flow is None or request is None:
        _report(result, source, sys.stderr)
        typer.echo(f"ivrc: error: {file}: has errors; see `ivrc lint {file}`", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    model = semantics.build(result.flow, config)
    return model, diagrams.build(model, timing), request


@app.command("report", cls=Command)
def report_command(
    flow: Annotated[
        Path,
        typer.Argument(
            metavar="FLOW",
            help="The .ivr (or JSON request) the calls were placed with.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".json"),
        ),
    ],
    cdr: Annotated[
        list[Path],
        typer.Option(
            "--cdr",
            metavar="FILE",
            help=(
                "Call records as `ivrc cdr` writes them (csv or json, a campaign's or --recipients'); repeat for more."
            ),
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write here (atomically) instead of stdout."),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", **choices("html", "json"), help="html: one self-contained page; json: the same figures."
        ),
    ] = "html",
    region: RegionOption = None,
    env: EnvOption = None,
    config_file: ConfigOption = None,
    timing: Annotated[
        bool, typer.Option("--timing", help="Label each step with how long its prompts take to say (estimated).")
    ] = False,
) -> None:
    """Draw a campaign's call records on its flow: calls per step and key, where callers left,
    marks, the main path, talk time, hangup causes, and calls by hour."""
    from ivrc.insight import graph as diagrams
    from ivrc.insight import page
    from ivrc.insight import report as campaign
    from ivrc.insight.traffic import replay
    from ivrc.language.files import Unreadable
    from ivrc.running.cdr_files import read_records
    from ivrc.running.costing import Billing
    from ivrc.running.records import CdrError, CdrRecord

    model, graph, request = checked_flow(flow, config_file, region, env, timing)

    def records() -> Iterator[CdrRecord]:
        """Every file's records as they are read: a file of millions is never held whole. Any
        error stops the report before a byte of it is written."""
        for path in cdr:
            try:
                yield from read_records(path)
            except CdrError as error:
                _fail(f"{path}:{error.line}: {error.reason}" if error.line else f"{path}: {error.reason}")
            except Unreadable as problem:
                _fail(str(problem))

    billing = Billing(model.config.pricing, request) if model.config.pricing is not None else None

    def priced() -> Iterator[CdrRecord]:
        for record in records():
            if billing is not None:
                billing.add(record)
            yield record

    traffic = replay(request, priced())
    figures = campaign.figures(str(flow), model, graph, traffic, [str(p) for p in cdr])
    if billing is not None:
        figures["cost"] = billing.figures()
    if output_format == "json":
        _deliver(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", output)
        return
    try:
        drawn = diagrams.svg(diagrams.dot(graph, flow.stem, campaign.overlay(graph, figures, traffic)))
    except diagrams.DrawError as error:
        _fail(f"{flow}: {error}, or use --format json")
    _deliver(page.campaign(figures, drawn), output)


class Coverage:
    """What `ivrc test --coverage` gathers while the scenarios run: each flow's calls counted on
    its diagram, then the table, the threshold and the page."""

    def __init__(self) -> None:
        self.flows: dict[Path, tuple[Any, Any, Any]] = {}  # flow -> (model, graph, tally)

    def _entry(self, flow: Path, result: Any, config: Any) -> tuple[Any, Any, Any] | None:
        from ivrc.insight import graph as diagrams
        from ivrc.insight.traffic import Tally
        from ivrc.language import model as semantics

        if flow not in self.flows:
            if result.flow is None:
                return None
            model = semantics.build(result.flow, config)
            self.flows[flow] = (model, diagrams.build(model), Tally())
        return self.flows[flow]

    def add(self, flow: Path, result: Any, config: Any, outcomes: list[Any]) -> None:
        entry = self._entry(flow, result, config)
        if entry is None:
            return
        for outcome in outcomes:
            if outcome.call is not None:
                entry[2].add(outcome.request, outcome.call)

    def untested(self, flow: Path, config: Any) -> None:
        """A named flow with no scenarios: every item of it is missed."""
        from ivrc.build.library import analyze
        from ivrc.language.files import Unreadable, read_text

        try:
            source = read_text(flow)
        except Unreadable:
            return
        result = analyze(source, path=str(flow), config=config)
        if result.ok:
            self._entry(flow, result, config)

    def finish(self, fail_under: float | None, page_file: Path | None) -> bool:
        """Print the table, write the page; True when the total is under `fail_under`."""
        from ivrc.insight import coverage, page
        from ivrc.insight import graph as diagrams

        measured = [coverage.measure(str(flow), *entry) for flow, entry in self.flows.items()]
        if not measured:
            typer.echo("coverage: no flow was run, so nothing was measured")
            return fail_under is not None
        typer.echo("")
        typer.echo(coverage.table(measured), nl=False)
        if page_file is not None:
            try:
                drawings = [
                    diagrams.svg(diagrams.dot(m.graph, Path(m.flow).stem, coverage.overlay(m))) for m in measured
                ]
            except diagrams.DrawError as error:
                _fail(f"--report: {error}")
            _deliver(page.coverage([m.as_json() for m in measured], drawings), page_file)
            typer.echo(f"Wrote {page_file}")
        total = coverage.total_percent(measured)
        if fail_under is not None and total < fail_under:
            typer.echo(
                f"ivrc: coverage failure: the total, {total:.1f}%, is under --fail-under {fail_under:g}%", err=True
            )
            return True
        return False


def _side(spec: str, name: str, config: Any) -> tuple[Any, str | None]:
    """One side of a diff: (its model or None for a flow that does not exist, its text)."""
    import subprocess

    from ivrc.build.library import analyze
    from ivrc.language import model as semantics

    if spec == "/dev/null":
        return None, None
    if spec.startswith("git:"):
        revision, _, inside = spec[4:].partition(":")
        if not revision or not inside:
            _fail(f"`{spec}`: write git:REVISION:PATH, e.g. git:HEAD~1:flows/menu.ivr")
        try:
            done = subprocess.run(["git", "show", f"{revision}:{inside}"], capture_output=True, check=False)
        except OSError as error:
            _fail(f"`{spec}`: cannot run git: {error.strerror or error}")
        if done.returncode != 0:
            _fail(f"`{spec}`: {done.stderr.decode('utf-8', 'replace').strip() or 'git show failed'}")
        from ivrc.language.files import Unreadable, decode

        try:
            source = decode(done.stdout, Path(spec))
        except Unreadable as problem:
            _fail(str(problem))
    else:
        source = _read_or_fail(Path(spec))
    result = analyze(source, path=name, config=config)
    # A flow with syntax errors holds only what parsed: comparing it would report what is
    # missing from the reading as removed from the file.
    if result.flow is None or any(d.rule == "syntax-error" for d in result.diagnostics):
        return False, source
    return semantics.build(result.flow, config), source


@app.command("diff", cls=Command)
def diff_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="OLD NEW",
            help="Two flows: files, or git:REVISION:PATH. Git's seven arguments to a diff driver are understood too.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".json"),
        ),
    ],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            **choices("text", "json", "markdown"),
            help="text, json, or markdown (for a pull-request comment).",
        ),
    ] = "text",
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when the flows differ for a caller, as `git diff --exit-code`.")
    ] = False,
    region: RegionOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Show what a change to a flow does to a call: steps added, removed or renamed, prompts,
    key routes and settings changed, and steps no call reaches any more."""
    from ivrc.insight import flowdiff

    git_driver = len(paths) == 7  # path old-file old-hex old-mode new-file new-hex new-mode
    if git_driver:
        old_label = new_label = paths[0]
        old_spec, new_spec = paths[1], paths[4]
    elif len(paths) == 2:
        old_spec, new_spec = paths
        old_label, new_label = old_spec, new_spec
    else:
        _fail(f"give two flows, OLD and NEW (got {len(paths)})")
    name = paths[0] if git_driver else new_spec.rpartition(":")[2] if new_spec.startswith("git:") else new_spec
    config = _settings(Path(name), config_file, region=_region(region))
    old, old_source = _side(old_spec, name, config)
    new, new_source = _side(new_spec, name, config)
    if old is False or new is False:
        broken = old_label if old is False else new_label
        if not git_driver:
            typer.echo(f"ivrc: error: {broken}: does not parse, so it cannot be compared; see `ivrc lint`", err=True)
            raise typer.Exit(EXIT_FINDINGS)
        # As a git diff driver, a flow that does not parse still gets a diff: of its lines.
        import difflib

        typer.echo(f"ivrc: {broken}: does not parse; showing the lines that changed", err=True)
        lines = difflib.unified_diff(
            (old_source or "").splitlines(True), (new_source or "").splitlines(True), f"a/{name}", f"b/{name}"
        )
        sys.stdout.write("".join(lines))
        return
    diff = flowdiff.compare(
        old, new, old_label if not git_driver else f"a/{name}", new_label if not git_driver else f"b/{name}"
    )
    if output_format == "json":
        shown = json.dumps(flowdiff.as_json(diff), ensure_ascii=False, indent=2) + "\n"
    elif output_format == "markdown":
        shown = flowdiff.markdown(diff)
    else:
        shown = flowdiff.text(diff)
    _deliver(shown, None)
    if exit_code and diff.changes:
        raise typer.Exit(EXIT_FINDINGS)


def diff_text(last: str | None, model: Any, file: Path, config: Any) -> str | None:
    """What a deploy changes for a caller since the last deploy of the flow to the same service
    (the journal keeps what was deployed), in words; None when it was never deployed there."""
    from ivrc.build.library import analyze
    from ivrc.insight import flowdiff
    from ivrc.language import model as semantics

    if last is None:
        return None
    before = analyze(last, path=str(file), config=config)
    if before.flow is None:
        return None
    diff = flowdiff.compare(semantics.build(before.flow, config), model, "the last deploy", str(file))
    if not diff.changes:
        return "Since the last deploy to this service: no change for a caller."
    count = len(diff.changes)
    said = [f"Since the last deploy to this service, {count} change{'s' if count != 1 else ''} for a caller:"]
    return "\n".join(said + flowdiff.text(diff).splitlines()[1:])


def changes_since(last: str | None, model: Any, file: Path, config: Any) -> None:
    """A deploy plan's account of what it changes for a caller since the last deploy."""
    said = diff_text(last, model, file, config)
    if said is not None:
        typer.echo(said)
