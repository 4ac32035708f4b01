"""What every command of the command line shares: the `app` they are registered on, the
options several take, and the helpers that turn a problem into one line and an exit code.
The command modules (`ivrc.cli.commands`, `ivrc.cli.service`, `ivrc.cli.cdr`, `ivrc.cli.insight`)
import from here, and nothing here imports them."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, ParamSpec, TypeVar

import typer

from ivrc import __version__
from ivrc.cli import lint as cli_lint
from ivrc.cli.help import complete_files
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_USAGE, UsageError
from ivrc.cli.lint import colour as _colour
from ivrc.language.files import write_atomically

if TYPE_CHECKING:
    from ivrc.build.batch import Summary
    from ivrc.build.library import Result
    from ivrc.language.config import Config

P = ParamSpec("P")
T = TypeVar("T")

app = typer.Typer(
    name="ivrc",
    help="Compile and check .ivr call flows for the Paycall Dynamic Dialer.",
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"ivrc: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _failing(function: Callable[P, T]) -> Callable[P, T]:
    """One of `cli_lint`'s option readers, with its UsageError said as `_fail` says it."""

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except UsageError as error:
            _fail(str(error))

    return call


_region = _failing(cli_lint.region_code)
_settings = _failing(cli_lint.settings)
_rule_list = _failing(cli_lint.rule_list)
_folder = _failing(cli_lint.folder)
_discover = cli_lint.discover
_nothing_found = _failing(cli_lint.nothing_found)
_flow_region = cli_lint.flow_region


def _read(path: Path) -> str:
    """The file as text; UsageError says why it cannot be read (with the place of a bad byte)."""
    from ivrc.language.files import Unreadable, read_text

    try:
        return read_text(path)
    except Unreadable as problem:
        raise UsageError(str(problem)) from None


def _report(result: Result, source: str, stream: object) -> None:
    from ivrc.insight import render

    if result.diagnostics:
        typer.echo(render.texts(result.diagnostics, source, _colour(stream)), file=stream, nl=False)  # type: ignore[arg-type]


def _deliver(text: str, output: Path | None) -> None:
    """Text to stdout (UTF-8, whatever the locale says) or, atomically, into OUTPUT."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    try:
        write_atomically(output, text)
    except OSError as error:
        _fail(f"{output}: cannot write: {error.strerror or error}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ivrc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Compile and check .ivr call flows for the Paycall Dynamic Dialer."""


RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="CODE",
        help="How to read local phone numbers (ISO 3166, e.g. IL) in files with no `region` line.",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        min=0,
        help="Check files in N processes (default, or 0: one a core). The output is the same for every N.",
    ),
]
RecordingsOption = Annotated[
    Path | None,
    typer.Option("--recordings", metavar="DIR", help="Check that every recording the flow names is a file in DIR."),
]
RecipientsOption = Annotated[
    Path | None,
    typer.Option(
        "--recipients",
        metavar="FILE",
        help="The recipients of a template flow (one that uses `recipient.NAME`): .csv with a header row, or .jsonl.",
        autocompletion=complete_files(".csv", ".jsonl"),
    ),
]
EnvOption = Annotated[
    str | None,
    typer.Option(
        "--env",
        metavar="NAME",
        envvar="IVRC_ENV",
        help="The environment ([env.NAME] in ivrc.toml): its service, credentials and overrides (default: $IVRC_ENV).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Use this ivrc.toml or pyproject.toml instead of the nearest one."),
]
SkipInvalidOption = Annotated[
    Path | None,
    typer.Option(
        "--skip-invalid",
        metavar="REJECTS",
        help=(
            "With --recipients: leave out the rows with errors (the rest go ahead) and write them, with their "
            "findings, to REJECTS (.csv, readable by you only)."
        ),
    ),
]
CampaignOption = Annotated[
    str | None,
    typer.Option(
        "--campaign",
        metavar="NAME",
        help=(
            "With --recipients: the campaign's name, from which each recipient's unique_id comes (default: the flow's "
            "unique_id, else its file name). A new name calls everyone again."
        ),
    ),
]
_CAMPAIGN_NAME = re.compile(r"[^/\\\x00-\x1f\x7f\s]{1,100}")


def _name_campaign(result: Result, campaign: str | None) -> None:
    """`--campaign NAME` for a template: 1 to 100 characters a unique_id can hold (no `/`, `\\`,
    spaces or control characters)."""
    if campaign is None or result.template is None:
        return
    if not _CAMPAIGN_NAME.fullmatch(campaign):
        _fail(
            f"--campaign {campaign!r}: a campaign's name is 1 to 100 characters, without `/`, `\\`, spaces or control "
            "characters"
        )
    result.template.rename(campaign)


def _read_or_fail(file: Path) -> str:
    try:
        return _read(file)
    except UsageError as error:
        _fail(str(error))


def _service_failure(error: Exception, what: str, journal: Path | None = None) -> NoReturn:
    """A service failure, what it left done, and advice that fits it: running again helps only
    when the failure may pass (a timeout, a 5xx, a dropped connection)."""
    status = getattr(error, "status", None)
    typer.echo(f"ivrc: error: {error}", err=True)
    typer.echo(f"ivrc: {what}", err=True)
    if status in (401, 403):
        advice = credentials_advice()
    elif not getattr(error, "reached", True):
        advice = (
            "check the service's address (--base-url or IVRC_BASE_URL) and that the service is up; nothing answered "
            "there"
        )
    elif status is not None and 400 <= status < 500 and status != 429:
        advice = "the service refused the request; fix what it says, then run the same command again"
    else:
        advice = "it may pass: run the same command again to finish it" + (
            f"; what is done is not sent twice (journal: {journal})" if journal else ""
        )
    typer.echo(f"ivrc: {advice}.", err=True)
    raise typer.Exit(EXIT_FINDINGS)


def credentials_advice() -> str:
    return (
        "check the credentials (--user and --password, IVRC_USERNAME and IVRC_PASSWORD, or netrc); running again will "
        "not help until they are right"
    )


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


def _write_rejected(target: Path, summary: Summary, undo: Callable[[], None]) -> None:
    """`--skip-invalid REJECTS`: the rejected rows written, or one line and exit 2, after `undo`
    (a half-made output removed, a client closed)."""
    from ivrc.cli import recipients as cli_recipients

    try:
        cli_recipients.write_rejected(target, summary)
    except OSError as error:
        undo()
        _fail(f"--skip-invalid {target}: cannot write: {error.strerror or error}")
