"""The command line's help, value checks and shell completion, written the way click and ruff
write them: `FILE...` and `[text|json]` in help, "'xml' is not one of …" in errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand


def _argument_name(param: Any) -> str:
    name = param.metavar or param.name.upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if param.required else f"[{name}]"


def _option_name(param: Any) -> str:
    names = ", ".join([*param.opts, *param.secondary_opts])
    if param.is_flag or param.count:
        return names
    return f"{names} {param.metavar or param.name.upper()}"


class Command(TyperCommand):
    """A command whose usage line and help name every value by its metavar, never by a Python type."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        pieces += [_argument_name(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param).strip("[]"), record[1]))
            else:
                options.append((_option_name(param), record[1]))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def choices(*values: str) -> dict[str, Any]:
    """Option settings for a value out of a fixed list: click's message for anything else,
    `[a|b]` in help, and the values offered by shell completion."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in values:
            listed = ", ".join(repr(v) for v in values)
            raise typer.BadParameter(f"{value!r} is not one of {listed}.")
        return value

    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return {"metavar": f"[{'|'.join(values)}]", "callback": check, "autocompletion": complete}


def whole_number(text: str | int) -> int:
    """A whole number given on the command line (`--port 8080`); a default passes as it is."""
    if isinstance(text, int):
        return text
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a whole number") from None


def seconds(text: str | float) -> float:
    """A number of seconds given on the command line (`--timeout 2.5`); a default passes as it is."""
    if isinstance(text, (int, float)):
        return float(text)
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number of seconds") from None
    if not 0 < value < 86400:
        raise typer.BadParameter(f"{text!r} is not between 0 and 86400 seconds")
    return value


def complete_files(*suffixes: str) -> Callable[[str], list[str]]:
    """Shell completion of paths: folders, and files with these suffixes."""

    def complete(incomplete: str) -> list[str]:
        folder, _, stem = incomplete.rpartition("/")
        base = Path(folder or ".")
        try:
            entries = sorted(base.iterdir())
        except OSError:
            return []
        found = []
        for entry in entries:
            if not entry.name.startswith(stem) or (entry.name.startswith(".") and not stem.startswith(".")):
                continue
            written = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir():
                found.append(written + "/")
            elif entry.name.endswith(suffixes):
                found.append(written)
        return found

    return complete


def complete_rules(incomplete: str) -> list[str]:
    """Rule names after `--select` and `--ignore`, including after a comma."""
    from ivrc.checks import RULES

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + rule.name for rule in RULES if rule.name.startswith(last)]
