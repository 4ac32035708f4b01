"""The emulator's phone lists: a file as the service takes it (api-notes 17), unpacked with
limits against zip and gzip bombs, and read a line at a time, each number E.164."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from ivrc.language import phone

MB = 1024 * 1024


class Refused(Exception):
    """A request the service answers with an error: the status and the words."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


# The document's formats and their MIME types (api-notes 17), and the names clients also send.
FORMATS = {
    "text/csv": "text",
    "text/plain": "text",
    "application/csv": "text",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/gzip": "gzip",
    "application/x-gzip": "gzip",
}
_EXTENSIONS = {".csv": "text", ".txt": "text", ".zip": "zip", ".gz": "gzip"}
_UNDECLARED = {"", "application/octet-stream"}  # what a client sends that does not know the type


def list_format(filename: str, content_type: str) -> str:
    """How a phone list is to be read: by the MIME type the document asks for, else (a client
    that sends none, or application/octet-stream) by the file name's extension."""
    name = filename.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")) or content_type in ("application/x-tar", "application/x-gtar"):
        raise Refused(415, "tarballs (.tar.gz, .tgz) are not supported; send .csv, .txt, .zip or .gz")
    declared = content_type.split(";")[0].strip().lower()
    if declared not in _UNDECLARED:
        if declared not in FORMATS:
            raise Refused(
                415,
                "a phone list is sent as text/csv, text/plain, application/zip or application/gzip, not "
                + clean(declared),
            )
        return FORMATS[declared]
    for extension, kind in _EXTENSIONS.items():
        if name.endswith(extension):
            return kind
    raise Refused(415, "a phone list is a .csv, .txt, .zip or .gz file; send it with its MIME type (text/csv, …)")


def unpack(kind: str, data: bytes, limit: int) -> bytes:
    """A phone list as text: as it is, the first member of a zip, or a gzip stream unpacked."""
    if kind == "zip":
        return _unzip(data, limit)
    if kind == "gzip":
        import gzip

        try:  # every member of the stream, to its end: a cut stream is refused, not half read
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                unpacked = stream.read(limit + 1)
        except (OSError, EOFError, zlib.error):
            raise Refused(400, "the gzip file cannot be read to its end (cut short, or not gzip)") from None
        if len(unpacked) > limit:
            raise Refused(413, f"the gzipped phone list unpacks to more than {limit // MB} MB")
        if _is_tar(unpacked):
            raise Refused(415, "this gzip file holds a tarball, which is not supported; gzip the .csv itself")
        return unpacked
    return data


def _unzip(data: bytes, limit: int) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if not members:
                raise Refused(400, "the zip file holds no file")
            first = members[0]  # "the first file ... will be the one that parsed"
            if first.file_size > limit:
                raise Refused(413, f"the zipped phone list unpacks to more than {limit // MB} MB")
            with archive.open(first) as handle:
                unpacked = handle.read(limit + 1)
    # zipfile raises NotImplementedError for a compression method it cannot unpack (a real
    # refusal of the file, not a gap in ivrc): the list is refused with a 400.
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError):
        raise Refused(400, "the zip file cannot be read") from None
    if len(unpacked) > limit:
        raise Refused(413, f"the zipped phone list unpacks to more than {limit // MB} MB")
    return unpacked


def _is_tar(data: bytes) -> bool:
    return data[257:262] == b"ustar"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str, width: int = 80) -> str:
    """A part of the input quoted in a message: control characters as escapes, long text cut."""
    shown = text if len(text) <= width else text[: width - 1] + "…"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", shown)


def phone_lines(text: str, region: str) -> Iterator[tuple[str, str, str]]:
    """`number[,cli[,dtmf_originator]]` a line, CRLF or LF; numbers must be E.164. Refused
    with the line of the first bad one."""
    import csv

    lone = re.search(r"\r(?!\n)", text)
    if lone is not None:
        raise Refused(
            400, f"line {text.count(chr(10), 0, lone.start()) + 1} ends with a lone CR; lines end with CRLF or LF"
        )
    reader = csv.reader(io.StringIO(text))
    line_number = 0
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:
            raise Refused(400, f"line {reader.line_num}: the phone list cannot be read: {clean(str(error))}") from None
        if row is None:
            break
        line_number = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        digits = phone.possible_e164(cells[0])  # the fast path; the full reading decides the rest
        if digits is None:
            number = phone.read(cells[0], None)
            if number.digits is None or number.status in ("impossible", "local"):
                raise Refused(400, f"line {line_number}: `{clean(cells[0])}` is not an E.164 phone number")
            digits = number.digits
        cli = ""
        if len(cells) > 1 and cells[1]:
            # A caller id written without its country code is read as of the callee's country:
            # `+14155552671,4155551111` is a US caller id, not an Israeli one.
            reading = phone.read(cells[1], phone.region_of(digits) or region)
            if reading.digits is None or reading.status == "impossible":
                raise Refused(400, f"line {line_number}: the caller id `{clean(cells[1])}` is not a phone number")
            cli = reading.digits
        yield digits, cli, cells[2] if len(cells) > 2 else ""
