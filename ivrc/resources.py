"""Where the grammar and schemas are: inside the installed package, or at the source tree's top."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource(folder: str, name: str) -> Path:
    """`grammar/` and `schemas/` ship inside the wheel as `ivrc/grammar` and `ivrc/schemas`;
    a source checkout (and an editable install) keeps them beside the package."""
    for base in (_PACKAGE / folder, _PACKAGE.parent / folder):
        candidate = base / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"ivrc is installed without its {folder}/{name}")
