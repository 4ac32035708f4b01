"""Reading phone numbers as people write them (api-notes 14)."""

from __future__ import annotations

import pytest

from ivrc.phone import read


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
    ],
)
def test_problem_numbers(written, region, status):
    reading = read(written, region)
    assert reading.status == status
    assert reading.reason
