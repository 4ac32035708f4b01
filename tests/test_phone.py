"""Reading phone numbers as people write them (api-notes 14)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivrc.language.phone import read


@pytest.mark.parametrize(
    "written,region,digits",
    [
        ("054-600-0000", "IL", "972546000000"),
        ("03-000-0000", "IL", "97230000000"),
        ("+1 415 555 2671", None, "14155552671"),
        ("+1 (415) 555-2671", "IL", "14155552671"),
        ("14155552671", None, "14155552671"),  # E.164 without its `+`
        ("14155552671", "IL", "14155552671"),  # not a local Israeli number, so read as E.164
        ("972546000000", "IL", "972546000000"),
        ("415 555 2671", "US", "14155552671"),
        ("+44 20 7946 0958", "IL", "442079460958"),
    ],
)
def test_valid_numbers_become_country_code_and_digits(written, region, digits):
    reading = read(written, region)
    assert (reading.status, reading.digits) == ("valid", digits)


@pytest.mark.parametrize(
    "written,region,status",
    [
        ("054-600-0000", None, "local"),
        ("0546000000", None, "local"),
        ("12", None, "impossible"),
        ("054-600", "IL", "impossible"),
        ("", "IL", "impossible"),
        ("+", None, "impossible"),
        ("1-800-FLOWERS", "US", "impossible"),
        ("9" * 40, None, "impossible"),
        ("054-000-0000", "IL", "unallocated"),
        ("972501234567", None, "unallocated"),
        # zeros after the country code that its digits cannot keep: +97200530000000 reads back
        # as +9720530000000
        ("00053-000-0000", "IL", "impossible"),
        ("+97200530000000", None, "impossible"),
    ],
)
def test_problem_numbers(written, region, status):
    reading = read(written, region)
    assert reading.status == status
    assert reading.reason


@pytest.mark.parametrize(
    "written,region,reason",
    [
        # Israeli numbers that begin 09 have 8 digits after the 0; other Israeli numbers have 7.
        (
            "09-774-220",
            "IL",
            "it is too short for IL, where numbers that begin like it have at least 8 digits (it has 7, not counting the country code or a leading 0)",
        ),
        # a London number read as Israeli: its first 8 digits already make one
        (
            "020 7946 0958",
            "IL",
            "it is too long for IL, where numbers that begin like it have 8 digits (it has 10, not counting the country code or a leading 0)",
        ),
        (
            "05460000000",
            "IL",
            "it is too long for IL, where numbers that begin like it have 9 digits (it has 10, not counting the country code or a leading 0)",
        ),
        (
            "+44 20 7946 095",
            None,
            "it is too short for GB, where numbers that begin like it have at least 10 digits (it has 9, not counting the country code or a leading 0)",
        ),
    ],
)
def test_a_length_no_number_beginning_like_it_has_is_a_misfit(written, region, reason):
    reading = read(written, region)
    assert (reading.status, reading.reason) == ("misfit", reason)
    # As the service reads numbers, a length the country has is enough.
    assert read(written, region, prefix_lengths=False).status == "unallocated"


def test_lint_calls_a_misfit_an_error_and_an_unallocated_number_a_warning():
    import ivrc

    flow = 'region IL\nsimple_dialer {\n    leg_a "09-774-220"\n    leg_b "050-123-4567"\n    say "hi"\n}\n'
    found = [(d.rule, d.severity.value, d.line, d.column, d.message) for d in ivrc.lint(flow)]
    assert found == [
        (
            "invalid-phone-number",
            "error",
            3,
            11,
            "`09-774-220` cannot be a phone number: it is too short for IL, where numbers that begin like it have at least 8 digits (it has 7, not counting the country code or a leading 0)",
        ),
        (
            "unallocated-phone-number",
            "warning",
            4,
            11,
            "`050-123-4567` (+972501234567) is outside the numbering plan known for IL",
        ),
    ]


@given(
    st.text(alphabet="0123456789+-() ", max_size=20) | st.text(max_size=12),
    st.sampled_from([None, "IL", "US", "GB", "DE", "IN", "AU"]),
)
def test_any_written_number_is_read_without_fail(written, region):
    strict = read(written, region)
    lenient = read(written, region, prefix_lengths=False)
    assert strict.reason or strict.status == "valid"
    if strict.status in ("valid", "unallocated", "misfit"):
        assert strict.digits and strict.digits.isdigit()
    if strict.status == "misfit":
        assert strict.reason.startswith(("it is too short for ", "it is too long for "))
        assert (lenient.status, lenient.digits) == ("unallocated", strict.digits)
    else:
        assert lenient == strict


@given(
    st.text(alphabet="0123456789+-() ", max_size=20),
    st.sampled_from([None, "IL", "US", "GB", "DE", "IN", "AU", "IT"]),
)
def test_the_digits_of_any_number_read_back_as_themselves(written, region):
    """What compile writes for a number is what decompile writes back: the digits of a reading,
    read again in E.164, are the same digits (Italy's leading zeros included)."""
    reading = read(written, region)
    if reading.digits and reading.status != "impossible":
        assert read("+" + reading.digits, None).digits == reading.digits


def test_leading_zeros_a_country_keeps_are_kept():
    assert (read("+39 06 1234 5678", None).status, read("+39 06 1234 5678", None).digits) == ("valid", "390612345678")
    assert read("06 1234 5678", "IT").digits == "390612345678"


def test_the_regions_known_without_the_numbering_data_are_phonenumbers_own():
    import phonenumbers

    from ivrc.language.regions import REGIONS, supported

    assert REGIONS <= phonenumbers.SUPPORTED_REGIONS  # none that phonenumbers cannot read
    assert all(supported(code) for code in phonenumbers.SUPPORTED_REGIONS)
    assert supported("il") and not supported("XX")


def _corpus() -> list[str]:
    """Every `+` number written in the repository's tests and examples, and each region's
    example numbers of every kind, as phonenumbers gives them."""
    import re

    import phonenumbers
    from conftest import ROOT

    found: set[str] = set()
    for path in [*ROOT.joinpath("tests").rglob("*"), *ROOT.joinpath("examples").rglob("*")]:
        if path.is_file() and path.suffix in (".py", ".toml", ".ivr", ".json", ".csv", ".jsonl", ".ivrtest"):
            found.update(re.findall(r"\+[1-9][0-9]{6,14}", path.read_text(encoding="utf-8", errors="replace")))
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.add(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return sorted(found)


def test_the_quick_reading_of_e164_numbers_is_the_full_readings():
    """`+` and digits that a country's plan lists are read by compiled matchers; every answer
    they give is the one phonenumbers gives, on the corpus and on random numbers of every
    country code (IVRC_PHONE_EXAMPLES of them; a long run: 1000000)."""
    import os
    import random

    import phonenumbers

    from ivrc.language import phone

    rng = random.Random(26)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    count = int(os.environ.get("IVRC_PHONE_EXAMPLES", "40000"))
    corpus = _corpus()

    def near(number: str) -> str:  # a listed number with its last digits changed: often listed too
        kept = len(number) - rng.randint(1, 4)
        return number[:kept] + "".join(rng.choice("0123456789") for _ in range(len(number) - kept))

    numbers = corpus + [
        near(rng.choice(corpus))
        if n % 2
        else f"+{rng.choice(codes)}{rng.randint(1, 9)}{rng.randint(0, 10 ** rng.randint(5, 12))}"
        for n in range(count)
    ]
    quick = 0
    for number in numbers:
        reading = phone._valid_e164(number)
        if reading is not None:
            quick += 1
            assert reading == phone._try(number, None), number
            assert reading == phone.read(number, "IL") == phone.read(number, None), number
    assert quick > len(numbers) // 10  # the quick reading is taken, not only passed over
