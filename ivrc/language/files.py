"""Writing files so that an interrupted run never leaves a half-written one."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def write_atomically(path: Path, text: str, private: bool = False) -> None:
    """Replace `path` in one step, so an interrupted run leaves the old file or the new one;
    `private` (personal data) makes it readable by its owner only."""
    import tempfile

    directory = path.parent if str(path.parent) else Path(".")
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then moved into place)
        "w", encoding="utf-8", dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o600 if private else 0o666 & ~umask)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


class Unreadable(Exception):
    """A file that cannot be read as text. `line` and `column` (1-based) place bad bytes."""

    def __init__(self, path: Path, reason: str, line: int | None = None, column: int = 1) -> None:
        super().__init__(f"{path}: {reason}" if line is None else f"{path}:{line}:{column}: {reason}")
        self.path = path
        self.reason = reason
        self.line = line or 1
        self.column = column


BOM = b"\xef\xbb\xbf"


def _bad_byte(path: Path, body: bytes, error: UnicodeDecodeError, first_line: int = 1) -> Unreadable:
    before = body[: error.start]
    line = first_line + before.count(b"\n")
    column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
    return Unreadable(path, f"not UTF-8 text (byte 0x{body[error.start]:02x})", line, column)


def decode(data: bytes, path: Path) -> str:
    """UTF-8 text, with or without a BOM; Unreadable names the first bad byte by line and column."""
    body = data[3:] if data.startswith(BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _bad_byte(path, body, error) from None


def decode_lines(lines: Iterable[bytes], path: Path) -> Iterator[str]:
    """A file's lines as UTF-8 text as it streams in, line ends kept and a BOM dropped;
    Unreadable names a bad byte by line and column, as `decode` does for a whole file."""
    for number, data in enumerate(lines, start=1):
        body = data[3:] if number == 1 and data.startswith(BOM) else data
        try:
            yield body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _bad_byte(path, body, error, number) from None


def _why(path: Path, error: OSError) -> Unreadable:
    if isinstance(error, IsADirectoryError):
        return Unreadable(path, "is a directory")
    if isinstance(error, FileNotFoundError):
        return Unreadable(path, "no such file or folder")
    if isinstance(error, PermissionError):
        return Unreadable(path, "cannot read: permission denied")
    return Unreadable(path, f"cannot read: {error.strerror or error}")


def read_bytes(path: Path) -> bytes:
    """The file's bytes; Unreadable says why in words when they cannot be had."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise _why(path, error) from None


def text_lines(path: Path) -> Iterator[str]:
    """A UTF-8 text file's lines (ends kept, a BOM dropped) as they are read, for files of any
    size; Unreadable as `read_text` gives it."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise _why(path, error) from None
    with handle:
        try:
            yield from decode_lines(handle, path)
        except OSError as error:
            raise _why(path, error) from None


def read_text(path: Path) -> str:
    """A UTF-8 text file, or Unreadable with a one-line reason (and the place of a bad byte)."""
    return decode(read_bytes(path), path)
