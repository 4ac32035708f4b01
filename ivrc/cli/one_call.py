"""The one call that `ivrc simulate` and `ivrc listen` play: the request a flow stands for, or
one recipient's of a template flow, checked first (its findings, exit 1, when it has errors)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from ivrc.cli.app import _fail, _flow_region, _read, _read_or_fail, _region, _report, _settings, _template
from ivrc.cli.lint import EXIT_FINDINGS, UsageError
from ivrc.cli.lint import colour as _colour


def flow_request(file: Path, region: str | None, config_file: Path | None) -> dict[str, Any]:
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


def personal_request(
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
