"""`ivrc listen`: one simulated call rendered to a WAV file as the callee would hear it; and
the timeline `ivrc simulate --timing` prints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ivrc.cli.app import ConfigOption, RecipientsOption, RecordingsOption, RegionOption, _fail, app
from ivrc.cli.help import Command, complete_files, whole_number

ENGINE_MISSING = "ivrc listen speaks the prompts with espeak-ng, which is not installed: apt-get install espeak-ng"


@app.command("listen", cls=Command)
def listen_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FLOW",
            help="A .ivr flow or a JSON request.",
            show_default=False,
            autocompletion=complete_files(".ivr", ".json"),
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", metavar="FILE", help="Write the call here as WAV; `-' for stdout."),
    ],
    keys: Annotated[
        str | None,
        typer.Option("--keys", metavar="KEYS", help='The caller\'s entries, comma-separated: "1,3,timeout".'),
    ] = None,
    recordings: RecordingsOption = None,
    region: RegionOption = None,
    recipients: RecipientsOption = None,
    row: Annotated[
        int | None,
        typer.Option(
            "--row", metavar="N", parser=whole_number, help="With --recipients: the recipient whose call to render."
        ),
    ] = None,
    config_file: ConfigOption = None,
    play: Annotated[
        bool, typer.Option("--play", help="Play the call too, where a player (aplay, paplay, afplay) is.")
    ] = False,
) -> None:
    """Render one call of FLOW to a WAV file, as the callee would hear it."""
    import io
    import shutil
    import subprocess

    from ivrc.cli.one_call import flow_request, personal_request
    from ivrc.running.listen import call_audio, write
    from ivrc.running.simulate import Call, parse_keys, run, scripted
    from ivrc.running.timing import engine

    if engine() is None:
        _fail(ENGINE_MISSING)
    if recordings is not None and not recordings.is_dir():
        _fail(f"--recordings {recordings}: no such folder")
    request = (
        personal_request(file, region, config_file, recipients, row)
        if recipients is not None or row is not None
        else flow_request(file, region, config_file)
    )
    try:
        caller = scripted(parse_keys(keys) if keys is not None else [])
    except ValueError as error:
        _fail(f"--keys: {error}")
    call = Call()
    run(request, caller, call)
    samples, moments = call_audio(call.events, recordings)
    audio = io.BytesIO()
    write(samples, audio)
    if str(output) == "-":
        sys.stdout.buffer.write(audio.getvalue())
        sys.stdout.flush()
    else:
        _write_bytes(output, audio.getvalue())
        seconds = moments[-1].end if moments else 0.0
        typer.echo(f"{output}: {seconds:.2f} s, {len(moments)} parts ({call.end})", err=True)
    if play:
        player = next((shutil.which(name) for name in ("aplay", "paplay", "afplay") if shutil.which(name)), None)
        if player is None:
            _fail("--play: no player found (aplay, paplay or afplay); the WAV file is written")
        if str(output) != "-":
            subprocess.run([player, str(output)], check=False)


def _write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` in one step: an interrupted run leaves the old file or the new one."""
    import os
    import tempfile

    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        _fail(f"{path}: cannot write: {error.strerror or error}")
