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


def _formatted(task: tuple[Path, Path | None]) -> tuple[str, str | None, Any]:
    """One file through the formatter, as `--jobs` runs it in a process of its own: ("ok",
    source, formatted), ("broken", source, its findings), or ("unreadable" or "format-error",
    None, what to say). A text the cache (in the folder given) knows to be formatted already is
    not parsed again."""
    file, cache = task
    try:
        source = _read(file)
    except UsageError as error:
        return "unreadable", None, str(error)
    mark = None if cache is None else _mark(cache, source)
    if mark is not None and mark.exists():
        return "ok", source, source
    from ivrc.build.library import CompileError, FormatError, fmt

    try:
        formatted = fmt(source, path=str(file))
        if mark is not None and cache is not None and formatted == source:
            from ivrc.insight.lint_cache import LintCache

            LintCache(cache, True).note(mark)
        return "ok", source, formatted
    except CompileError as error:
        return "broken", source, list(error.diagnostics)
    except FormatError as error:
        return "format-error", None, str(error)


def _mark(cache: Path, source: str) -> Path:
    """Where the cache notes that a text is in the canonical layout, which depends on the text
    and ivrc's version alone."""
    import hashlib

    from ivrc import __version__

    key = hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()
    return cache / __version__ / "formatted" / key[:2] / key


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
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", metavar="DIR", help="Keep the cache here (as `ivrc lint` does; IVRC_CACHE_DIR)."),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Format every file, and keep nothing.")] = False,
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
    from ivrc.cli.lint import settings
    from ivrc.insight.lint_cache import LintCache

    cache = LintCache(cache_dir, not no_cache)

    def kept_in(file: Path) -> Path | None:
        """The cache's folder for a file (beside its configuration); none when it has no cache,
        or its configuration cannot be read (the layout does not depend on it)."""
        if not cache.enabled:
            return None
        try:
            return cache.root(settings(file, None))
        except UsageError:
            return None

    tasks = [(file, kept_in(file)) for file in files]
    outcomes = spread(_formatted, tasks, jobs_wanted(jobs), _warm_fmt)
    for file, (outcome, source, formatted) in zip(files, outcomes, strict=True):
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
