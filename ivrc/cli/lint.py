"""`ivrc lint`, and the option handling it shares with the other commands, without typer: a
pre-commit hook starts `ivrc lint FILE...` on every commit, so that start-up loads only what
a lint needs (`ivrc.launch` runs it without the command-line framework). Problems with what
the user asked for are `UsageError`s: the command line prints them as one line, exit 2."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from ivrc.build.library import Result
    from ivrc.build.template import Template
    from ivrc.compliance.gate import Gate
    from ivrc.insight import render
    from ivrc.language.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
LINT_FORMATS = ("text", "json", "sarif", "github", "gitlab")


class UsageError(Exception):
    """A problem with what the user asked for (a missing file, bad bytes): exit 2, one line."""


def colour(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def region_code(region: str | None) -> str | None:
    if region is None:
        return None
    from ivrc.language.regions import supported as supported_region

    if not supported_region(region):
        raise UsageError(f"--region {region}: not a region phone numbers can be read for; use a code such as IL or US")
    return region.upper()


def settings(file: Path, config_file: Path | None, **flags: object) -> Config:
    """The file's configuration, as the environment `env` (a flag) has it, with the command
    line's other flags on top."""
    from ivrc.language.config import ConfigError, for_file

    env = flags.pop("env", None)
    try:
        return for_file(file, config_file).with_env(env if isinstance(env, str) else None).override(**flags)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def rule_list(values: list[str] | None, flag: str) -> frozenset[str] | None:
    if values is None:
        return None
    from ivrc.language.config import rule_names

    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    try:
        return frozenset(rule_names(names))
    except ValueError as error:
        raise UsageError(f"{flag}: {error}") from None


def folder(path: Path | None, flag: str) -> Path | None:
    if path is not None and not path.is_dir():
        raise UsageError(f"{flag} {path}: no such folder")
    return path


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts[:-1])


def discover(
    paths: list[Path], suffixes: tuple[str, ...] = (".ivr", ".json")
) -> tuple[list[tuple[Path, bool]], list[Path]]:
    """Files to check, each with whether it was named (not found in a folder); and the named
    paths that do not exist.

    Folders give their `*.ivr` files and their request JSON, less a `.json` that sits beside a
    `.ivr` of the same name: that is the flow's compiled output, checked through its source."""
    files: list[tuple[Path, bool]] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in suffixes and p.is_file() and not _hidden(p, path)]
            for file in sorted(found):
                if file.suffix == ".json" and file.with_suffix(".ivr").exists():
                    continue
                files.append((file, False))
        elif path.exists():
            files.append((path, True))
        else:
            missing.append(path)
    return files, missing


def nothing_found(paths: list[Path], what: str) -> NoReturn:
    """No file to work on, as ruff and pytest say it: an error, so a mistyped folder never passes."""
    named = ", ".join(str(p) for p in paths)
    raise UsageError(f"no {what} found in {named}")


def flow_region(result: Result, config: Config) -> str | None:
    """The region a flow's numbers are read in: its own `region` line, else the configured one."""
    from ivrc.language import model as semantics

    if result.flow is None or not result.flow.requests:
        return config.region
    return semantics.build(result.flow, config).region


def recipients_report(
    file: Path, result: Result, config: Config, named: Path | None, processes: int = 1
) -> list[render.FileReport]:
    """The data checks of a template flow's recipients file: the one named, else the configured one."""
    path = named or config.recipients
    if path is None:
        return []
    from ivrc import checks
    from ivrc.cli import recipients as cli_recipients
    from ivrc.language.diagnostics import has_errors

    if config.policy is not None and result.template is None and not has_errors(result.diagnostics):
        # The policy's row checks need the compiled request: its schedule, its retries, its path.
        from ivrc.build.library import analyze
        from ivrc.language.files import read_text

        result = analyze(read_text(file), path=str(file), config=config, emit_request=True, recipients=True)
    template = cli_recipients.template_of(result, config)
    if template is None:
        if named is not None:
            raise UsageError(
                f"--recipients: {file} takes no values from recipients; a template flow uses `recipient.NAME` fields"
            )
        return []
    region = flow_region(result, config)
    summary = cli_recipients.run(template, path, region, gate=_policy_gate(template, region), processes=processes)
    return [cli_recipients.report(path, checks.configure(summary.diagnostics, config))]


def _policy_gate(template: Template, region: str | None) -> Gate | None:
    """The compliance policy's checks of each row, as a campaign started now would meet them."""
    if template.model.config.policy is None or not template.request:
        return None
    from ivrc.compliance.gate import GateError
    from ivrc.compliance.setup import gate_for
    from ivrc.language.files import Unreadable

    gate = gate_for(template.model, template.request, region, None)
    if gate is not None:
        try:
            gate.prepare()
        except (GateError, Unreadable) as error:
            raise UsageError(f"policy: {error}") from None
    return gate


RECIPIENT_SUFFIXES = (".csv", ".jsonl")


def flows_of_recipients(data: Path, config_file: Path | None) -> list[Path]:
    """The flows whose configuration names `data` as their recipients: each `.ivr` under that
    configuration's folder (hidden folders left out) that the same configuration governs. A
    change to the data then runs the data checks of the flows that use it."""
    config = settings(data, config_file)
    if (
        config.recipients is None
        or config.source is None
        or not data.is_file()
        or not _same_file(config.recipients, data)
    ):
        return []
    root = config.source.parent
    found = [p for p in root.rglob("*.ivr") if p.is_file() and not _hidden(p, root)]
    return sorted(shown(p) for p in found if settings(p, config_file).source == config.source)


def shown(path: Path) -> Path:
    """An absolute path (a configured one, one found) as the user would type it from here, when it is below here."""
    try:
        return path.relative_to(Path.cwd()) if path.is_absolute() else path
    except ValueError:
        return path


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve() or os.path.samefile(one, other)
    except OSError:
        return False


def looks_like_request(source: str) -> bool:
    """Whether JSON found in a folder is a dialer request: other JSON there is none of ivrc's business."""
    import json

    from ivrc.build.kinds import request_kind

    try:
        return request_kind(json.loads(source)) is not None
    except ValueError:
        return False


def _check(
    file: Path, source: str, config: Config, recipients: Path | None, processes: int = 1, named: bool = True
) -> tuple[list[render.FileReport], float | None]:
    """One file's findings, and its recipients file's; and until when they hold (None: while
    the file and what it depends on do not change). JSON found in a folder (not NAMED) that is
    no dialer request is none of ivrc's business: no report at all, kept in the cache as such."""
    from ivrc.build.library import analyze
    from ivrc.insight import render

    if file.suffix == ".json" and not named and not looks_like_request(source):
        return [], None
    result = analyze(source, path=str(file), config=config, findings_only=True)
    reports = [render.FileReport(str(file), source, result.diagnostics)]
    if file.suffix == ".ivr":
        reports.extend(recipients_report(file, result, config, recipients, processes))
    return reports, _valid_until(result, config)


def _check_task(
    task: tuple[Path, str, Path | None, dict[str, Any], Path | None, int, bool, bool | None],
) -> tuple[list[Any], float | None, list[str] | None]:
    """`_check` as a process of `--jobs` runs it: the findings as the cache keeps them, which
    carry no file's text (the recipients file's may be large) and cross between processes; and,
    for text output (in colour or not, as asked), each report as printed, so that the processes
    write the excerpts at once and the first one only puts them together."""
    from ivrc.insight import render
    from ivrc.insight.lint_cache import kept_form

    file, source, config_file, flags, recipients, processes, named, printed = task
    reports, until = _check(file, source, settings(file, config_file, **flags), recipients, processes, named)
    texts = None if printed is None else [render.text_report([report], printed) for report in reports]
    return kept_form(reports, file), until, texts


def _warm() -> None:
    """What every check needs, loaded once before the processes are forked."""
    import ivrc.build.library  # noqa: F401
    import ivrc.language.phone  # noqa: F401
    from ivrc.language.parser import lark_parser

    lark_parser()  # built once, here: every process starts with it


def _valid_until(result: Result, config: Config) -> float | None:
    """The next moment the findings may change by the clock alone: a moment the file names
    comes (schedule-in-past), or the next minute, when one has come (its finding says the time)."""
    if result.flow is None:
        return None
    from ivrc.language import model as semantics

    model = result.model if result.model is not None else semantics.build(result.flow, config)
    moments: list[float] = []
    for written in semantics.times(model):
        try:
            moments.append(semantics.timestamp(written))
        except ValueError:
            continue  # invalid-time's finding, which the clock does not change
    ahead = [moment for moment in moments if moment > model.now]
    if len(ahead) < len(moments):
        ahead.append((model.now // 60 + 1) * 60)
    return float(min(ahead)) if ahead else None


def lint(
    paths: list[Path],
    output_format: str | None = None,
    region: str | None = None,
    recordings: Path | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    strict: bool = False,
    no_suppress: bool = False,
    recipients: Path | None = None,
    config_file: Path | None = None,
    cache_dir: Path | None = None,
    no_cache: bool = False,
    jobs: int = 1,
) -> int:
    """Check flows and requests, print every finding, and return the exit code. Files whose
    findings are in the cache (`lint_cache`) are not checked again; the others are checked in
    `jobs` processes (0: one a core)."""
    from ivrc.cli.jobs import jobs_wanted, spread
    from ivrc.insight import render
    from ivrc.insight.lint_cache import LintCache, reports_of
    from ivrc.language.diagnostics import Severity
    from ivrc.language.files import Unreadable, read_text

    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    cache = LintCache(cache_dir, not no_cache)
    flags: dict[str, Any] = {
        "region": region_code(region),
        "recordings": folder(recordings, "--recordings"),
        "select": rule_list(select, "--select"),
        "ignore": rule_list(ignore, "--ignore"),
        "suppress": False if no_suppress else None,
    }
    files, missing = discover(paths)
    data = [file for file, named in files if named and file.suffix in RECIPIENT_SUFFIXES]
    files = [(file, named) for file, named in files if not (named and file.suffix in RECIPIENT_SUFFIXES)]
    for people in data:  # a recipients file stands for the flows whose configuration names it
        users = flows_of_recipients(people, config_file)
        if not users:
            sys.stderr.write(f"ivrc: {people}: no flow's configuration names it as recipients; not checked\n")
        files.extend((flow, True) for flow in users if (flow, True) not in files and (flow, False) not in files)
    if data and not files and not missing:
        return EXIT_OK
    reports: list[render.FileReport] = []
    problems = [Unreadable(path, "no such file or folder") for path in missing]
    misses: list[tuple[Path, str, Config, str | None, bool]] = []
    for file, named in files:
        try:
            source = read_text(file)
        except Unreadable as problem:
            problems.append(problem)
            continue
        config = settings(file, config_file, **flags)
        # JSON found in a folder is kept as no request at all when it is none; named, it is one.
        key = cache.key(
            file, source, config, {**flags, "named": named} if file.suffix == ".json" else flags, recipients
        )
        kept = cache.get(config, key) if key is not None else None
        if kept is not None:
            reports.extend(reports_of(kept, file, source))
        else:
            misses.append((file, source, config, key, named))
    # A recipients file's rows are spread over the processes `--jobs` allows (a process of
    # `--jobs` itself reads its rows alone).
    # Whether JSON found in a folder is a request is told there too (`_check`), and kept.
    printed = colour(sys.stdout) if output_format == "text" else None
    tasks = [
        (file, source, config_file, flags, recipients, jobs_wanted(jobs), named, printed)
        for file, source, _, _, named in misses
    ]
    texts: dict[int, str] = {}  # a report (by its id) as a process printed it
    for (file, source, config, key, _), (kept, until, printed_texts) in zip(
        misses, spread(_check_task, tasks, jobs_wanted(jobs), _warm), strict=True
    ):
        made = reports_of(kept, file, source)
        if printed_texts is not None:
            texts.update(zip(map(id, made), printed_texts, strict=True))
        reports.extend(made)
        if key is not None:
            cache.put_kept(config, key, kept, until)
    unreadable = []
    if problems:
        from ivrc.checks import unreadable_file

        unreadable = [unreadable_file.diagnose(problem) for problem in problems]
    if not reports and not unreadable:
        nothing_found(paths, ".ivr files or request .json files")
    # A file that cannot be read is a finding too, so CI shows it in the chosen format.
    reports.extend(render.FileReport(d.path, None, (d,)) for d in unreadable)
    reports.sort(key=lambda r: r.path)
    findings = [d for r in reports for d in r.diagnostics]
    if output_format == "sarif":
        try:
            rules = cache.sarif_rules(settings(files[0][0], config_file, **flags) if files else None)
        except ValueError as error:  # IVRC_RULE_DOCS
            raise UsageError(str(error)) from None
        sys.stdout.write(render.sarif_report(reports, colour(sys.stdout), rules))
    elif output_format == "text":
        shown = colour(sys.stdout)
        sys.stdout.write("".join(texts.get(id(r)) or render.text_report([r], shown) for r in reports))
    else:
        sys.stdout.write(render.FORMATS[output_format](reports, colour(sys.stdout)))
    sys.stdout.flush()
    if output_format == "text":
        sys.stderr.write(render.summary(findings, len(reports)) + "\n")
        sys.stderr.flush()
    if unreadable or any(d.rule == "unreadable-file" for d in findings):
        return EXIT_USAGE
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return EXIT_FINDINGS if any(d.severity in failing for d in findings) else EXIT_OK
