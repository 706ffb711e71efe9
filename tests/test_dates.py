"""Date normalisation against a publication date (koie/engine/dates.py)."""

from __future__ import annotations

from datetime import date

import pytest

from koie.engine.dates import normalize_date, parse_published

PUBLISHED = date(2024, 7, 1)


@pytest.mark.parametrize(
    "text, published, value, precision",
    [
        ("지난달 27일", PUBLISHED, "2024-06-27", "day"),
        ("지난 4월", date(2024, 6, 23), "2024-04", "month"),
        ("지난 6월", date(2024, 6, 23), "2023-06", "month"),
        ("지난해", PUBLISHED, "2023", "year"),
        ("올해", PUBLISHED, "2024", "year"),
        ("이날", date(2024, 6, 28), "2024-06-28", "day"),
        ("전날", date(2024, 3, 1), "2024-02-29", "day"),
        ("23일", date(2024, 6, 23), "2024-06-23", "day"),
        ("27일", date(2024, 6, 23), "2024-05-27", "day"),
        ("지난 6일", date(2024, 6, 23), "2024-06-06", "day"),
        ("오는 28일", date(2024, 6, 23), "2024-06-28", "day"),
        ("오는 3일", date(2024, 6, 23), "2024-07-03", "day"),
        ("지난해 3월", PUBLISHED, "2023-03", "month"),
        ("지난 1월 5일", date(2024, 1, 3), "2023-01-05", "day"),
        ("다음 달", date(2024, 12, 10), "2025-01", "month"),
        ("2023년 11월 3일", None, "2023-11-03", "day"),
        ("2023년", None, "2023", "year"),
        ("2024-03-05", None, "2024-03-05", "day"),
    ],
)
def test_dates_normalize(text: str, published: date | None, value: str, precision: str) -> None:
    normal = normalize_date(text, published)
    assert normal is not None
    assert (normal.value, normal.precision) == (value, precision)


@pytest.mark.parametrize(
    "text, published",
    [
        ("이날", None),  # relative without a publication date
        ("2월 30일", PUBLISHED),  # no such day
        ("회의", PUBLISHED),  # not a date
    ],
)
def test_dates_unknown_gives_none(text: str, published: date | None) -> None:
    assert normalize_date(text, published) is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-07-01", date(2024, 7, 1)),
        ("2024-07-01T09:00:00+09:00", date(2024, 7, 1)),
        ("2024.7.1", date(2024, 7, 1)),
        ("2024-13-01", None),
        ("soon", None),
        (None, None),
    ],
)
def test_dates_parse_published(value: object, expected: date | None) -> None:
    assert parse_published(value) == expected
