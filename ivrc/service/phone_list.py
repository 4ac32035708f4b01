"""A phone list (api-notes 17): each line `number[,cli[,dtmf]]`, read as a stream, its numbers
read with the flow's region, every bad line reported with `file:line:col`; `.txt`, `.csv`, a
`.gz` or a one-file `.zip`."""

from __future__ import annotations

import contextlib
import gzip
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivrc.language import phone
from ivrc.language.files import Unreadable, decode_lines

DTMF = frozenset("0123456789*#Ww")


class DeployError(Exception):
    """Something found before anything was sent; the message names the file and line."""


@contextlib.contextmanager
def _phone_lines(path: Path) -> Iterator[Iterator[str]]:
    """The lines of a phone list as text, read as a stream: a .csv or .txt, the first member
    of a .zip (the service reads only that one), or a .gz (api-notes 17)."""
    suffix = path.name.lower()
    if suffix.endswith((".tar.gz", ".tgz")):
        raise DeployError(f"{path}: the service does not take tarballs; send .csv, .txt, .zip or .gz")
    if not suffix.endswith((".csv", ".txt", ".zip", ".gz")):
        raise DeployError(f"{path}: a phone list is a .csv, .txt, .zip or .gz file")
    with contextlib.ExitStack() as stack:
        try:
            if suffix.endswith(".zip"):
                archive = stack.enter_context(zipfile.ZipFile(path))
                members = [m for m in archive.infolist() if not m.is_dir()]
                if not members:
                    raise DeployError(f"{path}: the zip file holds no file")
                raw: Any = stack.enter_context(archive.open(members[0]))
            elif suffix.endswith(".gz"):
                raw = stack.enter_context(gzip.open(path, "rb"))
            else:
                raw = stack.enter_context(path.open("rb"))
        except FileNotFoundError:
            raise DeployError(f"{path}: no such file") from None
        except (zipfile.BadZipFile, OSError) as error:
            raise DeployError(f"{path}: cannot be read as a phone list: {error}") from None
        yield _decoded(raw, path)


def _decoded(raw: Any, path: Path) -> Iterator[str]:
    """Lines of UTF-8 text (a BOM dropped), a bad byte reported with its line and column."""
    try:
        yield from decode_lines(raw, path)
    except Unreadable as problem:
        raise DeployError(str(problem)) from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise DeployError(f"{path}: cannot be read as a phone list: {error}") from None


# Bad lines shown in the error text; the rest are counted.
SHOWN_PROBLEMS = 20


@dataclass
class PhoneList:
    """A phone list read and checked: how many numbers, and how many bytes they make as sent."""

    path: Path
    region: str | None
    count: int
    size: int  # of the list as it is sent: E.164 numbers, CRLF lines
    header: bool  # a header row (`phone,cli`) was found and is not sent
    problems: list[str]
    keep: Callable[[str], bool] | None = None  # which numbers (E.164 digits) are sent; None: all

    def write(self, sink: Any) -> None:
        """The list as checked, into a binary stream: read again from the file, a line at a time."""
        for row in _rows(self.path, self.region, [], None):
            if self.keep is None or self.keep(row.split(",", 1)[0]):
                sink.write(row.encode("utf-8") + b"\r\n")


def _is_header(cells: list[str]) -> bool:
    """A first row of words (`phone,cli,dtmf`) names the columns; no number has letters and no digits."""
    first = cells[0]
    return bool(first) and any(c.isalpha() for c in first) and not any(c.isdigit() for c in first)


def _rows(path: Path, region: str | None, problems: list[str], header: list[bool] | None) -> Iterator[str]:
    """Each good line as `number[,cli[,dtmf]]` with E.164 numbers; each bad one, into `problems`."""
    import csv

    seen = 0
    with _phone_lines(path) as lines:
        reader = csv.reader(lines)
        while True:
            try:
                row = next(reader, None)
            except csv.Error as error:
                problems.append(f"{path}:{reader.line_num}:1: the line cannot be read: {error}")
                continue
            if row is None:
                return
            line_number = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if not seen and not problems and _is_header(cells):
                if header is not None:
                    header.append(True)
                seen = 1  # one header at most
                continue
            seen += 1
            # A number in E.164 (`+972…`, or its digits with no region to read them otherwise) takes
            # the fast path; any other, and any the fast path refuses, the full reading.
            fast = phone.possible_e164(cells[0]) if cells[0].startswith("+") or region is None else None
            number = phone.Reading("valid", fast) if fast is not None else phone.read(cells[0], region)
            bad = False
            if number.status in ("impossible", "local"):
                problems.append(f"{path}:{line_number}:1: `{cells[0]}` is not a phone number ({number.reason})")
                bad = True
            cli = cells[1] if len(cells) > 1 else ""
            if cli:
                caller = phone.read(cli, region)
                if caller.status in ("impossible", "local"):
                    problems.append(
                        f"{path}:{line_number}:{len(row[0]) + 2}: the caller id `{cli}` is not a phone number "
                        f"({caller.reason})"
                    )
                    bad = True
                else:
                    cli = caller.digits or cli
            dtmf = cells[2] if len(cells) > 2 else ""
            if dtmf and not set(dtmf) <= DTMF:
                column = len(row[0]) + len(row[1]) + 3
                problems.append(
                    f"{path}:{line_number}:{column}: the DTMF `{dtmf}` has characters other than 0-9, *, #, W and w"
                )
                bad = True
            if not bad:
                yield ",".join([number.digits or cells[0], cli, dtmf]).rstrip(",")


def phone_numbers(path: Path, region: str | None) -> Iterator[str]:
    """The E.164 digits of each good line of a phone list, in order."""
    for row in _rows(path, region, [], None):
        yield row.split(",", 1)[0]


def read_phones(path: Path, region: str | None, keep: Callable[[str], bool] | None = None) -> PhoneList:
    """Each line `number[,cli[,dtmf]]` (api-notes 17): numbers read with the flow's region as its
    own numbers are, a header row skipped, every bad line reported with `file:line:col`. The
    list is read as a stream; only its count and size are kept."""
    problems: list[str] = []
    header: list[bool] = []
    count = size = 0
    for row in _rows(path, region, problems, header):
        if keep is not None and not keep(row.split(",", 1)[0]):
            continue
        count += 1
        size += len(row.encode("utf-8")) + 2
    if not count and not problems:
        raise DeployError(f"{path}: the phone list has no numbers" + (" left to call" if keep is not None else ""))
    return PhoneList(path, region, count, size, bool(header), problems, keep)


def check_phones(path: Path, region: str | None, keep: Callable[[str], bool] | None = None) -> PhoneList:
    """The phone list, or DeployError listing its bad lines (the first SHOWN_PROBLEMS, and a count of the rest)."""
    phones = read_phones(path, region, keep)
    if phones.problems:
        shown = phones.problems[:SHOWN_PROBLEMS]
        rest = len(phones.problems) - len(shown)
        more = f"\n… and {rest} more bad line{'s' if rest != 1 else ''}" if rest else ""
        raise DeployError("\n".join(shown) + more)
    return phones
