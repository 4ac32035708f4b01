"""`ivrc audit`: call records checked against the compliance policy after the calls, as a gate
for a pipeline (exit 1 on any breach)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ivrc.cli.app import ConfigOption, EnvOption, RegionOption, _deliver, _fail, _region, app
from ivrc.cli.help import Command, choices, complete_files
from ivrc.cli.lint import EXIT_FINDINGS


@app.command("audit", cls=Command)
def audit_command(
    cdr: Annotated[
        list[Path],
        typer.Option(
            "--cdr",
            metavar="FILE",
            help="Call records as `ivrc cdr` writes them (csv or json, a campaign's or its results); repeat for more.",
            autocompletion=complete_files(".csv", ".json"),
        ),
    ],
    recipients: Annotated[
        Path | None,
        typer.Option(
            "--recipients", metavar="FILE", help="The recipients file: its `timezone` column places each person."
        ),
    ] = None,
    flow: Annotated[
        Path | None,
        typer.Option("--flow", metavar="FLOW", help="The flow the calls were placed with: its purpose and region."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", **choices("text", "json", "html"), help="text, json or html.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")
    ] = None,
    show_numbers: Annotated[
        bool, typer.Option("--show-numbers", help="Print whole phone numbers, not masked ones.")
    ] = False,
    region: RegionOption = None,
    env: EnvOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Check call records against the policy: calls outside the called person's calling hours (in
    their local time), to suppressed or opted-out numbers, past the attempt cap, and marketing calls
    from a hidden number. Each breach names its record; exit 1 on any breach."""
    from ivrc.compliance import audit as auditing
    from ivrc.compliance.lists import ListError, read_list
    from ivrc.language.config import ConfigError, find, load
    from ivrc.language.files import Unreadable

    if not cdr:
        _fail("give the call records with --cdr FILE")
    anchor = flow or recipients or cdr[0]
    try:
        source = config_file or find(anchor if anchor.exists() else Path.cwd())
        config = load(source.resolve()).with_env(env) if source else None
        if config is None and env is not None:
            raise ConfigError(f"--env {env}: no environments are configured (no ivrc.toml or [tool.ivrc] found)")
    except ConfigError as error:
        _fail(str(error))
    policy = config.policy if config is not None else None
    if config is None or policy is None:
        _fail("no policy to audit against: add [tool.ivrc.policy] to pyproject.toml or [policy] to ivrc.toml")
    marketing, flow_region = _flow_facts(flow, config_file, policy.purpose == "marketing")
    read_region = _region(region) or flow_region or config.region
    try:
        lists = [read_list(path, read_region) for path in policy.suppress]
    except (ListError, Unreadable) as error:
        _fail(f"policy: {error}")
    zones = _zones(recipients, read_region) if recipients is not None else None
    try:
        found = auditing.audit(cdr, policy, read_region, lists, marketing, zones, show_numbers)
    except (auditing.AuditError, Unreadable) as error:
        _fail(str(error))
    figures = found.as_json()
    if output_format == "json":
        _deliver(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", output)
    elif output_format == "html":
        from ivrc.insight.audit_page import audit as page

        _deliver(page(figures, [str(p) for p in cdr], str(policy.source)), output)
    else:
        lines = [f"{b.where}: breach[{b.kind}]: {b.message}" for b in found.breaches]
        counts = ", ".join(f"{n} {k}" for k, n in found.counts.items())
        lines.append(
            f"{found.records} record{'s' if found.records != 1 else ''} checked: "
            + (
                f"{len(found.breaches)} breach{'es' if len(found.breaches) != 1 else ''} ({counts})"
                if found.breaches
                else "no breach"
            )
        )
        _deliver("\n".join(lines) + "\n", output)
    if found.breaches:
        raise typer.Exit(EXIT_FINDINGS)


def _flow_facts(flow: Path | None, config_file: Path | None, marketing: bool) -> tuple[bool, str | None]:
    """Whether the flow is marketing (its own word, else the policy's), and its region."""
    if flow is None:
        return marketing, None
    from ivrc.build.library import analyze
    from ivrc.checks.missing_opt_out import purpose
    from ivrc.cli.app import _read_or_fail, _settings
    from ivrc.language import model as semantics

    config = _settings(flow, config_file)
    result = analyze(_read_or_fail(flow), path=str(flow), config=config)
    if result.flow is None:
        _fail(f"{flow}: has errors; see `ivrc lint {flow}`")
    model = semantics.build(result.flow, config)
    return purpose(model) == "marketing", model.region


def _zones(path: Path, region: str | None) -> dict[int, str]:
    """Each number's `timezone` column of a recipients file, when it has one."""
    import csv

    from ivrc.compliance.lists import number_key
    from ivrc.language.files import Unreadable, text_lines
    from ivrc.language.policy import zone

    found: dict[int, str] = {}
    try:
        reader = csv.DictReader(text_lines(path))
        for row in reader:
            written = (row.get("timezone") or "").strip()
            number = next((row[c] for c in ("phone", "number", "phone_number") if row.get(c)), None)
            key = number_key(number, region) if number else None
            if written and key is not None:
                try:
                    found[key] = zone(written)
                except ValueError as error:
                    _fail(f"{path}:{reader.line_num}: {error}")
    except Unreadable as error:
        _fail(str(error))
    except csv.Error as error:
        _fail(f"{path}: not CSV: {error}")
    return found
