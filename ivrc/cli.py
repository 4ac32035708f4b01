"""The `ivrc` command: a thin shell over `ivrc.api`."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from ivrc import __version__, render

if TYPE_CHECKING:
    from ivrc.api import Result
    from ivrc.diagnostics import Diagnostic

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="ivrc",
    help="Compile and check .ivr call flows for the Paycall Dynamic Dialer.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class UsageError(Exception):
    """A problem with what the user asked for (a missing file, bad bytes): exit 2, one line."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"ivrc: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _colour(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _read(path: Path) -> str:
    """The file as text; UsageError says why it cannot be read."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise UsageError(f"{path}:{line}:{column}: not UTF-8 text (byte 0x{data[error.start]:02x})") from None


def _region(region: str | None) -> str | None:
    if region is None:
        return None
    from ivrc.phone import supported_region

    if not supported_region(region):
        _fail(f"--region {region}: not a region phone numbers can be read for; use a code such as IL or US")
    return region.upper()


def _report(result: Result, source: str, stream: object) -> None:
    colour = _colour(stream)
    for diagnostic in result.diagnostics:
        typer.echo(render.text(diagnostic, source, colour), file=stream)  # type: ignore[arg-type]


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so an interrupted run leaves the old file or the new one."""
    directory = path.parent if str(path.parent) else Path(".")
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ivrc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Compile and check .ivr call flows for the Paycall Dynamic Dialer."""


RegionOption = Annotated[
    Optional[str],
    typer.Option("--region", metavar="CODE", help="How to read local phone numbers (ISO 3166, e.g. IL) in files with no `region` line."),
]


@app.command("compile")
def compile_command(
    file: Annotated[Path, typer.Argument(help="The .ivr file.", show_default=False)],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the JSON here instead of to stdout.")] = None,
    region: RegionOption = None,
) -> None:
    """Compile FILE to the request JSON. Nothing is written when it has errors."""
    from ivrc.api import analyze, dumps

    region = _region(region)
    try:
        source = _read(file)
    except UsageError as error:
        _fail(str(error))
    result = analyze(source, path=str(file), region=region, emit_request=True)
    _report(result, source, sys.stderr)
    if result.request is None:
        raise typer.Exit(EXIT_FINDINGS)
    text = dumps(result.request)
    if output is None:
        # JSON is UTF-8 whatever the locale says.
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    try:
        write_atomically(output, text)
    except OSError as error:
        _fail(f"{output}: cannot write: {error.strerror or error}")


def _ivr_files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Files named, and `*.ivr` below folders named, in a stable order; and paths that do not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            found = (p for p in path.rglob("*.ivr") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1]))
            files.extend(sorted(found))
        elif path.exists():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    return files, missing


@app.command("lint")
def lint_command(
    paths: Annotated[list[Path], typer.Argument(help=".ivr files, or folders to search for them.", show_default=False)],
    region: RegionOption = None,
) -> None:
    """Check .ivr files and report every finding. Exit 1 when any is an error."""
    from ivrc.api import analyze
    from ivrc.diagnostics import has_errors

    region = _region(region)
    files, problems = _ivr_files(paths)
    findings: list[Diagnostic] = []
    for file in files:
        try:
            source = _read(file)
        except UsageError as error:
            problems.append(str(error))
            continue
        result = analyze(source, path=str(file), region=region)
        _report(result, source, sys.stdout)
        findings.extend(result.diagnostics)
    sys.stdout.flush()
    for problem in problems:
        typer.echo(f"ivrc: error: {problem}", err=True)
    typer.echo(render.summary(findings, len(files)), err=True)
    if problems:
        raise typer.Exit(EXIT_USAGE)
    if has_errors(findings):
        raise typer.Exit(EXIT_FINDINGS)


@app.command("rules")
def rules_command() -> None:
    """List every rule with its default severity."""
    from ivrc.checks import RULES

    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        typer.echo(f"{rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")


@app.command("rule")
def rule_command(name: Annotated[str, typer.Argument(help="A rule name, such as dangling-goto.", show_default=False)]) -> None:
    """Show a rule's documentation."""
    from ivrc.checks import BY_NAME

    rule = BY_NAME.get(name)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(name, list(BY_NAME), n=1)
        _fail(f"no rule named `{name}`" + (f"; did you mean `{close[0]}`?" if close else "; `ivrc rules` lists them"))
    typer.echo(f"{rule.name} ({rule.severity.value})\n\n{rule.docs}")


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        # Hebrew or Russian in a message must not crash a terminal with a narrow encoding.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    app()
