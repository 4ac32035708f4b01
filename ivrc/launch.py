"""The `ivrc` program: the command line, with the last line of defence around it.

`ivrc lint FILE...` with no options (what a pre-commit hook runs on every commit) goes
straight to `cli_lint.lint`, `ivrc lsp` (what an editor starts) straight to the server, and
`ivrc --version` straight to the version, without loading the command-line framework, whose
import costs more than the lint of a file. Everything
else, options and `--help` included, goes through typer's command line (`ivrc.cli.commands`), which
gives the same lint the same way."""

from __future__ import annotations

import os
import sys


def _plain_lint(args: list[str]) -> bool:
    """`lint` and paths only: no option, no `--`, no empty argument, no shell completion."""
    return (
        len(args) >= 2
        and args[0] == "lint"
        and all(arg and not arg.startswith("-") for arg in args[1:])
        and not any(name.endswith("_COMPLETE") for name in os.environ if name.startswith("_IVRC"))
    )


def _lint(paths: list[str]) -> int:
    from pathlib import Path

    from ivrc.cli import lint as cli_lint

    try:
        return cli_lint.lint([Path(p) for p in paths], jobs=0)  # one process a core, as `--jobs` says
    except cli_lint.UsageError as error:
        sys.stderr.write(f"ivrc: error: {error}\n")
        return cli_lint.EXIT_USAGE


def _lsp() -> int:
    """`ivrc lsp` without the command-line framework, as `ivrc lint FILE...` is run."""
    try:
        from ivrc.lsp.features import serve
    except ImportError:
        sys.stderr.write("ivrc: error: the language server needs its extra dependencies: pip install 'ivrc[lsp]'\n")
        return 2
    serve()
    return 0


# The labels of a package's `Project-URL` that name where its bugs go, as PyPI reads them.
_TRACKER_LABELS = frozenset({"issues", "issue tracker", "bug tracker", "bugs", "bug reports", "tracker"})


def where_to_report(project_urls: list[str] | None = None) -> str:
    """Where a bug goes: the tracker the installed package names, or the README's section.

    A build of ivrc for an organisation names its own tracker in `pyproject.toml`
    (`[project.urls] Issues = "..."`), and the message gives it. The README's "Reporting a bug"
    says what a report holds, and what to leave out of it (recipients' names and numbers)."""
    if project_urls is None:
        try:
            from importlib.metadata import metadata

            project_urls = metadata("ivrc").get_all("Project-URL") or []
        except Exception:  # it runs in the last line of defence, which must not fail itself
            project_urls = []
    for entry in project_urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in _TRACKER_LABELS and url.strip().startswith(("https://", "http://")):
            return f"at {url.strip()}"
    return 'as the README\'s "Reporting a bug" says'


INTERRUPTED = 130  # the exit code of a command stopped by Ctrl-C, as shells report it


def _leave_now() -> None:
    """Exit with INTERRUPTED once what was said is out, without the interpreter's shutdown: it
    would wait for threads still on the network, and while it runs a second Ctrl-C finds no
    handler and ends the process by the signal instead of the exit code. What ivrc keeps is
    already written (the journals commit as they go)."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(INTERRUPTED)


def main() -> None:
    import gc

    # A big flow is hundreds of thousands of small objects, none in a cycle. With the default
    # thresholds the cyclic collector walks them all again and again, and a 5,000-step compile
    # took 14 times as long as a 500-step one; collecting less often keeps it linear (mypy sets
    # the same).
    gc.set_threshold(200_000, 30, 30)
    for stream in (sys.stdout, sys.stderr):
        # Hebrew or Russian in a message must not crash a terminal with a narrow encoding.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    args = sys.argv[1:]
    if args == ["--version"]:
        from ivrc import __version__

        sys.stdout.write(f"ivrc {__version__}\n")
        return
    try:
        from ivrc.language.memory import ends_with_its_command  # here: a Ctrl-C during the import is caught

        ends_with_its_command()  # `ivrc lsp` and `ivrc emulator` say otherwise when they start
        if _plain_lint(args):
            code = _lint(args[1:])
        elif args == ["lsp"]:
            code = _lsp()  # an editor starts it, and waits for it to answer `initialize`
        else:
            from ivrc.cli.commands import app

            try:
                app(prog_name="ivrc", standalone_mode=True)
            except SystemExit as done:
                if done.code == INTERRUPTED:
                    _leave_now()
                raise
            return
    except KeyboardInterrupt:  # before a command began; each command that sends says its own
        sys.stderr.write(
            "\nivrc: interrupted" + (" before sending: nothing was sent" if args[:1] == ["deploy"] else "") + "\n"
        )
        _leave_now()
        code = INTERRUPTED
    except BrokenPipeError:  # `ivrc lint . | head`: the reader has gone, and nothing is lost
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the flush at exit
        code = 1
    except Exception as error:  # the last line of defence: a bug in ivrc, said in one line
        if os.environ.get("IVRC_DEBUG") == "1":
            raise
        from ivrc import __version__
        from ivrc.cli.lint import EXIT_INTERNAL

        sys.stderr.write(
            f"ivrc: internal error ({type(error).__name__}): this is a bug in ivrc {__version__}; please report it "
            f"{where_to_report()}, with the command that caused it (run it again with IVRC_DEBUG=1 for the details)\n"
        )
        code = EXIT_INTERNAL
    sys.stderr.flush()
    sys.exit(code)
