"""`ivrc env`: the environments a project deploys to, and which of their credentials are missing
(the variables' names only, never a value)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from ivrc.cli.app import ConfigOption, _fail, app
from ivrc.cli.help import Command, choices


@app.command("env", cls=Command)
def env_command(
    output_format: Annotated[str, typer.Option("--format", **choices("text", "json"), help="text or json.")] = "text",
    config_file: ConfigOption = None,
) -> None:
    """List the environments ([env.NAME] in ivrc.toml, [tool.ivrc.env.NAME] in pyproject.toml):
    each one's service, the variables its credentials are read from and whether they are set,
    and what it overrides. Exit 1 when a credential variable is not set."""
    from ivrc.language.config import ConfigError, find, load

    try:
        source = config_file or find(Path.cwd())
        config = load(source.resolve()) if source else None
    except ConfigError as error:
        _fail(str(error))
    environments = dict(config.environments) if config is not None else {}
    chosen = os.environ.get("IVRC_ENV")
    listed = []
    for name, environment in sorted(environments.items()):
        variables = [v for v in (environment.username_env, environment.password_env) if v]
        listed.append(
            {
                "name": name,
                "default": name == chosen,
                "base_url": environment.base_url,
                "credentials": {v: bool(os.environ.get(v)) for v in variables},
                "overrides": sorted(
                    [*environment.overrides, *(["recipients"] if environment.recipients else [])]
                    + (["policy"] if environment.policy else [])
                ),
            }
        )
    missing = [v for e in listed for v, present in e["credentials"].items() if not present]  # type: ignore[attr-defined]
    if output_format == "json":
        typer.echo(json.dumps({"config": str(source) if source else None, "environments": listed}, indent=2))
    elif not listed:
        typer.echo("No environments: add [env.NAME] to ivrc.toml (or [tool.ivrc.env.NAME] to pyproject.toml).")
    else:
        typer.echo(f"Environments of {source}:")
        for e in listed:
            said = ", ".join(f"${v} {'set' if ok else 'MISSING'}" for v, ok in e["credentials"].items())  # type: ignore[attr-defined]
            star = " (default: $IVRC_ENV)" if e["default"] else ""
            over = f"; overrides {', '.join(e['overrides'])}" if e["overrides"] else ""  # type: ignore[arg-type]
            typer.echo(
                f"  {e['name']}{star}: {e['base_url'] or 'the default service'}; {said or 'no credentials named'}{over}"
            )
    if chosen and chosen not in environments and environments:
        typer.echo(f"ivrc: warning: $IVRC_ENV is `{chosen}`, which is not one of them", err=True)
    if missing:
        typer.echo(f"ivrc: credentials not set: {', '.join('$' + v for v in missing)}", err=True)
        raise typer.Exit(1)
