"""Where the grammar and schemas are: inside the installed package, or at the source tree's top."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # ivrc/, above ivrc/language/


def resource(folder: str, name: str) -> Path:
    """`grammar/` and `schemas/` ship inside the wheel as `ivrc/grammar` and `ivrc/schemas`;
    a source checkout (and an editable install) keeps them beside the package."""
    for base in (_PACKAGE / folder, _PACKAGE.parent / folder):
        candidate = base / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"ivrc is installed without its {folder}/{name}")


def cache_file(name: str) -> str | bool:
    """Where Lark may keep a built parser between runs: the user's cache folder, never the
    installed package. Lark checks the grammar's hash inside the file and rebuilds a stale one."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "ivrc"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False  # no writable cache: build the parser each time
    return str(folder / f"{name}.lark-cache")
