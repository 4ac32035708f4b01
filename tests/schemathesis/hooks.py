"""What Schemathesis needs to know of the emulator's API beyond its schema: what a `phone`
is (a number some country has, api-notes 14), what a WAV recording and a phone list look
like, and a check that a 422 is only ever said for the reasons the document gives."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import phonenumbers
import schemathesis
from hypothesis import strategies as st

REGIONS = ("IL", "US", "GB", "RU", "DE", "FR")


def _numbers() -> list[str]:
    found = []
    for region in REGIONS:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return found


NUMBERS = _numbers()
phones = st.sampled_from(NUMBERS).flatmap(lambda n: st.sampled_from([n, n.lstrip("+")]))
schemathesis.openapi.format("phone", phones)


def _wav(frames: int) -> bytes:
    data = b"\x00\x00" * frames
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    )
    return header + b"data" + struct.pack("<I", len(data)) + data


schemathesis.openapi.media_type("audio/wav", st.integers(0, 400).map(_wav))

lines = st.lists(
    st.tuples(phones, st.one_of(st.just(""), phones), st.sampled_from(["", "1#2", "w1#113"])), min_size=1, max_size=5
).map(lambda rows: "".join(f"{n},{c},{d}\r\n" for n, c, d in rows).encode())


def _zipped(text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("numbers.csv", text)
    return buffer.getvalue()


schemathesis.openapi.media_type("text/csv", lines)
schemathesis.openapi.media_type("text/plain", lines)
schemathesis.openapi.media_type("application/zip", lines.map(_zipped))
schemathesis.openapi.media_type("application/gzip", lines.map(lambda text: gzip.compress(text, mtime=0)))

# Valid by the schema, and still refused, as the document says the service refuses them.
REASONS_FOR_422 = ("is not in the future", "was not uploaded")


@schemathesis.check
def unprocessable_only_for_documented_reasons(ctx, response, case):
    if response.status_code == 422:
        said = response.json()["error"]
        assert any(reason in said for reason in REASONS_FOR_422), f"422 for another reason: {said}"
