"""`ivrc emulator`: a local Paycall Dynamic Dialer for development and CI."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ivrc.cli.app import _fail, _read, _region, app
from ivrc.cli.help import Command, seconds, whole_number
from ivrc.cli.lint import UsageError
from ivrc.cli.service import PasswordOption, UserOption


@app.command("emulator", cls=Command)
def emulator_command(
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", parser=whole_number, help="The port to listen on.")
    ] = 8080,
    user: UserOption = None,
    password: PasswordOption = None,
    users_file: Annotated[
        Path | None,
        typer.Option(
            "--users",
            metavar="FILE",
            help="More users, one `name:password` a line; each sees only their own campaigns and recordings.",
        ),
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", metavar="DIR", help="Keep state here (default: a new temporary folder).")
    ] = None,
    callee_script: Annotated[
        Path | None,
        typer.Option("--callee-script", metavar="FILE", help='JSON: number (or "*") -> {answer, keys, hangup_cause}.'),
    ] = None,
    allow_callbacks_to: Annotated[
        list[str] | None,
        typer.Option("--allow-callbacks-to", metavar="HOST", help="Also report calls to this host (loopback always)."),
    ] = None,
    region: Annotated[
        str, typer.Option("--region", metavar="CODE", help="How the service reads local numbers.")
    ] = "IL",
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help="Call a campaign scheduled for later as soon as it is started (its records keep the scheduled times).",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse every request `ivrc lint` finds an error in, not only what the service itself refuses.",
        ),
    ] = False,
    header_timeout: Annotated[
        float,
        typer.Option(
            "--header-timeout",
            metavar="SECONDS",
            parser=seconds,
            help="Close a connection whose request headers have not all arrived by then.",
        ),
    ] = 10.0,
) -> None:
    """Run a local Paycall Dynamic Dialer for development and CI."""
    import json

    try:
        from ivrc.service.emulator import Settings, serve
    except ImportError:
        _fail("the emulator needs its extra dependencies: pip install 'ivrc[emulator]'")
    user = user or os.environ.get("IVRC_USERNAME")
    password = password or os.environ.get("IVRC_PASSWORD")
    users = _users(users_file) if users_file is not None else {}
    if user and password:
        users = {user: password, **users}
    elif user or password or not users:
        _fail(
            "give the emulator's credentials with --user and --password (or IVRC_USERNAME and IVRC_PASSWORD), "
            "or --users FILE"
        )
    script = None
    if callee_script is not None:
        try:
            script = json.loads(_read(callee_script))
        except UsageError as error:
            _fail(f"--callee-script {error}")
        except ValueError as error:
            _fail(f"--callee-script {callee_script}: not valid JSON: {error}")
        if not isinstance(script, dict) or not all(isinstance(v, dict) for v in script.values()):
            _fail(f"--callee-script {callee_script}: expected an object of number -> {{answer, keys, hangup_cause}}")
    import socket

    try:  # say plainly when the port is taken, before anything starts
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    folder = data or Path(tempfile.mkdtemp(prefix="ivrc-emulator-"))
    settings = Settings(
        users,
        folder,
        _region(region) or "IL",
        script,
        set(allow_callbacks_to or ()),
        no_wait=no_wait,
        header_seconds=header_timeout,
        strict=strict,
    )
    typer.echo(f"ivrc emulator on http://{host}:{port} (state in {folder})", err=True)
    try:
        serve(settings, host, port)
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")


def _users(path: Path) -> dict[str, str]:
    """`name:password` a line (the password may hold `:`); blank lines and `#` comments skipped."""
    try:
        text = _read(path)
    except UsageError as error:
        _fail(f"--users {error}")
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, secret = line.partition(":")
        if not colon or not name or not secret:
            _fail(f"{path}:{number}:1: a user is written `name:password`")
        if name in users:
            _fail(f"{path}:{number}:1: user `{name}` is listed twice")
        users[name] = secret
    if not users:
        _fail(f"{path}: no users in it; write one `name:password` a line")
    return users
