"""`ivrc fmt`: .ivr files in the canonical layout, every comment kept, over every core."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ivrc.cli.app import JobsOption, _discover, _nothing_found, _read, app
from ivrc.cli.help import Command, complete_files
from ivrc.cli.lint import EXIT_FINDINGS, EXIT_USAGE, UsageError
from ivrc.cli.lint import colour as _colour
from ivrc.language.files import write_atomically


def _formatted(file: Path) -> tuple[str, str | None, Any]:
    """One file through the formatter, as `--jobs` runs it in a process of its own: ("ok",
    source, formatted), ("broken", source, its findings), or ("unreadable" or "format-error",
    None, what to say)."""
    from ivrc.build.library import CompileError, FormatError, fmt

    try:
        source = _read(file)
    except UsageError as error:
        return "unreadable", None, str(error)
    try:
        return "ok", source, fmt(source, path=str(file))
    except CompileError as error:
        return "broken", source, list(error.diagnostics)
    except FormatError as error:
        return "format-error", None, str(error)


def _warm_fmt() -> None:
    from ivrc.build.library import fmt
    from ivrc.language.parser import lark_parser

    del fmt
    lark_parser()


@app.command("fmt", cls=Command)
def fmt_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help=".ivr files, or folders to search for them.",
            show_default=False,
            autocompletion=complete_files(".ivr"),
        ),
    ],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 and list the files that would change.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Write nothing; print what would change as a unified diff.")
    ] = False,
    jobs: JobsOption = None,
) -> None:
    """Rewrite .ivr files in the canonical layout, keeping every comment."""
    import difflib

    from ivrc.cli.jobs import jobs_wanted, spread
    from ivrc.insight import render

    found, missing = _discover(paths, (".ivr",))
    if not found and not missing:
        _nothing_found(paths, ".ivr files")
    files = [file for file, _ in found]
    problems = [f"{path}: no such file or folder" for path in missing]
    changed: list[Path] = []
    broken = unreadable = 0
    for file, (outcome, source, formatted) in zip(
        files, spread(_formatted, files, jobs_wanted(jobs), _warm_fmt), strict=True
    ):
        if outcome == "unreadable" or outcome == "format-error":
            problems.append(str(formatted))
            unreadable += 1
            continue
        if outcome == "broken":
            broken += 1  # left untouched; say why
            typer.echo(render.texts(formatted, source, _colour(sys.stderr)), err=True, nl=False)
            continue
        assert isinstance(source, str) and isinstance(formatted, str)
        if formatted == source:
            continue
        changed.append(file)
        if diff:
            name = str(file)
            sys.stdout.writelines(
                difflib.unified_diff(
                    source.splitlines(True), formatted.splitlines(True), f"{name} (original)", f"{name} (formatted)"
                )
            )
        elif check:
            typer.echo(f"would reformat {file}")
        else:
            try:
                write_atomically(file, formatted)
            except OSError as error:
                problems.append(f"{file}: cannot write: {error.strerror or error}")
    sys.stdout.flush()
    for problem in problems:
        typer.echo(f"ivrc: error: {problem}", err=True)
    typer.echo(
        _fmt_summary(
            len(changed),
            len(files) - len(changed) - broken - unreadable,
            broken,
            unreadable + len(missing),
            check or diff,
        ),
        err=True,
    )
    if problems:
        raise typer.Exit(EXIT_USAGE)
    if broken or (check and changed):
        raise typer.Exit(EXIT_FINDINGS)


def _fmt_summary(changed: int, unchanged: int, broken: int, unreadable: int, dry: bool) -> str:
    """Counts of what happened to each file; a file that was not read is counted as such, never as unchanged."""
    noun = "file" if changed == 1 else "files"
    parts = [f"{changed} {noun} {'would be reformatted' if dry else 'reformatted'}", f"{unchanged} left unchanged"]
    if broken:
        parts.append(f"{broken} not formatted because of syntax errors")
    if unreadable:
        parts.append(f"{unreadable} could not be read")
    return ", ".join(parts) + "."
