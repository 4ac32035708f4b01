"""The `ivrc` command, a thin shell over `ivrc.build.library`: the language's commands (compile, lint,
fmt, decompile, simulate, test, graph, lsp, rules), and the other command modules, imported
here to register their commands on the shared `app` in the order `ivrc --help` lists them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ivrc.cli import lint as cli_lint
from ivrc.cli.app import (
    CampaignOption,
    ConfigOption,
    EnvOption,
    JobsOption,
    RecipientsOption,
    RecordingsOption,
    RegionOption,
    SkipInvalidOption,
    _deliver,
    _fail,
    _folder,
    _read,
    _region,
    _report,
    _settings,
    app,
)
from ivrc.cli.compliance import StartAtOption
from ivrc.cli.help import Command, choices, complete_files, complete_rules
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, LINT_FORMATS, UsageError
from ivrc.cli.lint import colour as _colour

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
    start_at: StartAtOption = None,
    env: EnvOption = None,
    config_file: ConfigOption = None,
    jobs: JobsOption = None,
) -> None:
    """Compile FILE to the request JSON. Nothing is written when it has errors. A template flow
    with --recipients gives one request per recipient, as JSON Lines."""
    from ivrc.build.library import analyze, dumps

    if len(files) > 1 and (not check or output is not None):
        _fail("compile takes one FILE; with --check it takes several, each compared with its FILE.json")
    flags: dict[str, object] = {
        "region": _region(region),
        "recordings": _folder(recordings, "--recordings"),
        "env": env,
    }
    if check:
        from ivrc.cli import compile_check as cli_compile_check

        try:
            from ivrc.cli.jobs import jobs_wanted

            verdict = cli_compile_check.check(
                files, output, recipients, config_file, flags, start_at, jobs_wanted(jobs or 0)
            )
        except UsageError as error:
            _fail(str(error))
        for line in verdict.stale:
            typer.echo(f"ivrc: {line}", err=True)
        raise typer.Exit(EXIT_FINDINGS if verdict.failed or verdict.stale else EXIT_OK)
    if recipients is not None or _settings(files[0], config_file, env=env).recipients is not None:
        from ivrc.cli.compile_batch import compile_batch

        compile_batch(files[0], output, recipients, config_file, flags, campaign, skip_invalid, start_at)
        return
    if campaign is not None or skip_invalid is not None or start_at is not None:
        flag = "--campaign" if campaign is not None else "--skip-invalid" if skip_invalid is not None else "--start-at"
        _fail(f"{flag} is for a template flow with --recipients")
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
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            metavar="DIR",
            help="Keep the lint cache here (default: .ivrc_cache beside the configuration; IVRC_CACHE_DIR).",
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Check every file, and keep nothing.")] = False,
    jobs: JobsOption = None,
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
            cache_dir=cache_dir,
            no_cache=no_cache,
            jobs=jobs or 0,  # the command line's default: one process a core
        )
    except UsageError as error:
        _fail(str(error))
    if code:
        raise typer.Exit(code)


# `ivrc fmt` comes next in the help, as it did when it lived here.
from ivrc.cli import formatter as cli_formatter  # noqa: E402,F401  isort: skip


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
        typer.echo(render.texts(error.diagnostics, source, _colour(sys.stderr)), err=True, nl=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    _deliver(written, output)


# `ivrc simulate`, `ivrc test` and `ivrc graph` are in their own module; importing it here
# registers them on `app` in this place, the order `ivrc --help` lists them.
from ivrc.cli import flows  # noqa: E402,F401  isort: skip


# The commands that talk to the service live in their own module; importing it here registers
# them on `app` in this place, so that `ivrc --help` lists the commands in this order.
from ivrc.cli import cdr as cli_cdr, insight as cli_insight, service as cli_service  # noqa: E402,F401  isort: skip
from ivrc.cli import emulator as cli_emulator  # noqa: E402,F401  isort: skip
from ivrc.cli import listen as cli_listen  # noqa: E402,F401  isort: skip
from ivrc.cli import plan as cli_plan  # noqa: E402,F401  isort: skip
from ivrc.cli import audit as cli_audit  # noqa: E402,F401  isort: skip
from ivrc.cli import environments as cli_environments  # noqa: E402,F401  isort: skip


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
    from ivrc.insight.render import rule_docs, rule_page

    try:
        page = rule_page(rule.name, rule_docs())
    except ValueError as error:
        _fail(str(error))
    typer.echo(f"{rule.name} ({rule.severity.value})\n\n{rule.docs}\n\nThe manual's page: {page}")
