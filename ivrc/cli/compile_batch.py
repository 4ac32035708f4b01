"""`ivrc compile FLOW --recipients FILE`: one request per recipient, as JSON Lines in row order,
through the compliance policy's gate; nothing is written when a row or the flow has errors."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import typer

from ivrc.cli import compliance as cli_compliance
from ivrc.cli.app import _fail, _flow_region, _name_campaign, _read, _report, _settings, _template, _write_rejected
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_USAGE, UsageError
from ivrc.cli.lint import colour as _colour


def compile_batch(
    file: Path,
    output: Path | None,
    named: Path | None,
    config_file: Path | None,
    flags: dict[str, object],
    campaign: str | None = None,
    skip_invalid: Path | None = None,
    start_at: datetime | None = None,
) -> None:
    """One request per recipient, as JSON Lines in row order; nothing is written when a row or
    the flow has errors, so a batch is never half there. The policy's gate holds rows back and
    gives each recipient their call time."""
    import shutil

    from ivrc import checks
    from ivrc.cli import recipients as cli_recipients
    from ivrc.cli.jobs import cores
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
    assert result.template is not None  # _template said so
    region = _flow_region(result, config)
    the_gate = cli_compliance.gate(result.template, region, start_at)
    target = output
    folder = (target.parent if str(target.parent) else Path(".")) if target is not None else None
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="\n", dir=folder, prefix=".ivrc-batch-", suffix=".jsonl", delete=False
    ) as sink:
        temporary = Path(sink.name)
        try:
            summary = cli_recipients.run(
                result.template,
                path,
                region,
                lambda row, unique_id, line: sink.write(line + "\n"),
                keep_rejected=skip_invalid is not None,
                gate=the_gate,
                processes=cores(),
                sink=sink,
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
        _write_rejected(skip_invalid, summary, lambda: temporary.unlink(missing_ok=True))
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
    if the_gate is not None and the_gate.policy.source is not None:  # a policy, not --start-at alone
        for line in cli_compliance.lines(cli_compliance.figures(summary, the_gate, path)):
            typer.echo(f"  {line}", err=True)
