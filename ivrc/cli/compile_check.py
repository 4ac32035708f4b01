"""`ivrc compile --check`: whether what is committed is what the flows compile to, for a
pre-commit hook or a CI step. A flow's request is compared with `FLOW.json`. A template flow
has no single request: it must compile as a template, and with recipients (`--recipients`, or
`recipients` in the configuration) its rows must have no errors and a committed `FLOW.jsonl`
must be what `ivrc compile FLOW --recipients FILE` writes. A recipients file named on the
command line stands for the template flows whose configuration names it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ivrc.cli.lint import RECIPIENT_SUFFIXES, UsageError, flows_of_recipients, settings, shown


@dataclass
class Verdict:
    stale: list[str] = field(default_factory=list)
    failed: bool = False


def check(
    files: list[Path],
    output: Path | None,
    recipients: Path | None,
    config_file: Path | None,
    flags: dict[str, object],
    start_at: datetime | None = None,
    jobs: int = 1,
) -> Verdict:
    """Each flow (and each template flow of each recipients file named) against what is
    committed, in `jobs` processes; what is said comes in the flows' order, as from one."""
    from ivrc.cli.jobs import spread
    from ivrc.cli.lint import _warm

    verdict = Verdict()
    flows: list[Path] = []
    for file in files:
        if file.suffix in RECIPIENT_SUFFIXES:
            flows.extend(flow for flow in flows_of_recipients(file, config_file) if flow not in flows)
        elif file not in flows:
            flows.append(file)
    tasks = [(flow, output, recipients, config_file, flags, start_at) for flow in flows]
    for stale, failed, error in spread(_check_task, tasks, jobs, _warm):
        if error is not None:
            raise UsageError(error)  # the first in the flows' order, as one process would stop at it
        verdict.stale.extend(stale)
        verdict.failed = verdict.failed or failed
    return verdict


def _check_task(task: tuple[Any, ...]) -> tuple[list[str], bool, str | None]:
    """One flow's verdict, in a process of `--jobs`: what is stale, whether it failed, or the
    usage error that stops the command."""
    verdict = Verdict()
    try:
        flow, output, named, config_file, flags, start_at = task
        _check_flow(flow, output, named, config_file, flags, verdict, start_at)
    except UsageError as error:
        return [], False, str(error)
    return verdict.stale, verdict.failed, None


def _check_flow(
    file: Path,
    output: Path | None,
    named: Path | None,
    config_file: Path | None,
    flags: dict[str, object],
    verdict: Verdict,
    start_at: datetime | None = None,
) -> None:
    from ivrc.build.library import analyze, dumps
    from ivrc.language.files import Unreadable, read_text

    try:
        source = read_text(file)
    except Unreadable as problem:
        raise UsageError(str(problem)) from None
    config = settings(file, config_file, **flags)
    # `ivrc lint` shows the findings; a pre-commit run must not show them a second time.
    result = analyze(source, path=str(file), config=config, emit_request=True, recipients=True)
    if result.template is not None:
        _check_template(file, result, output, named, config, verdict, start_at)
        return
    if named is not None and result.request is not None:
        raise UsageError(
            f"--recipients: {file} takes no values from recipients; a template flow uses `recipient.NAME` fields"
        )
    if result.request is None:
        verdict.stale.append(f"{file}: has errors, so it was not compiled; see `ivrc lint {file}`")
        verdict.failed = True
        return
    target = output or file.with_suffix(".json")
    if not target.is_file():
        verdict.stale.append(f"{target}: missing; run `ivrc compile {file} -o {target}`")
    elif target.read_bytes() != dumps(result.request).encode("utf-8"):
        verdict.stale.append(
            f"{target}: stale, {file} compiles to something else; run `ivrc compile {file} -o {target}`"
        )


def _check_template(  # type: ignore[no-untyped-def]
    file: Path, result, output: Path | None, named: Path | None, config, verdict: Verdict, start_at: datetime | None
) -> None:
    """A template compiles; with recipients, its rows have no errors and its committed JSON Lines is current
    (under the policy, with the --start-at it was written with)."""
    from ivrc import checks
    from ivrc.cli import compliance as cli_compliance
    from ivrc.cli import recipients as cli_recipients
    from ivrc.cli.lint import flow_region
    from ivrc.language.diagnostics import has_errors

    people = named or config.recipients
    if people is None:
        return  # the template compiles: there is nothing else to compare without recipients
    people = shown(people)
    target = output or file.with_suffix(".jsonl")
    written = hashlib.sha256()
    region = flow_region(result, config)
    policy = config.policy
    if policy is not None and policy.timed and start_at is None:
        raise UsageError(
            f"{file}: its policy's calling hours schedule each recipient from the campaign's start; give compile "
            "--check the --start-at the committed JSON Lines were written with"
        )
    gate = cli_compliance.gate(result.template, region, start_at)
    summary = cli_recipients.run(
        result.template,
        people,
        region,
        lambda row, unique_id, line: written.update(line.encode("utf-8") + b"\n"),
        gate=gate,
    )
    if has_errors(checks.configure(summary.diagnostics, config)):
        verdict.stale.append(
            f"{people}: has errors, so {file} was not compiled for it; see `ivrc lint {file} --recipients {people}`"
        )
        verdict.failed = True
        return
    starting = f" --start-at {start_at.isoformat()}" if start_at is not None else ""
    command = f"`ivrc compile {file} --recipients {people}{starting} -o {target}`"
    if not target.is_file():
        if named is not None or output is not None:  # asked for by name: it must be there
            verdict.stale.append(f"{target}: missing; run {command}")
        return
    committed = hashlib.sha256()
    with target.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            committed.update(block)
    if committed.digest() != written.digest():
        verdict.stale.append(f"{target}: stale, {file} with {people} compiles to something else; run {command}")
