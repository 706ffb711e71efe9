"""Korean date expressions → ISO dates, relative to a document's publication date.

News writes dates relative to the day it is published: 지난달 27일, 지난 4월,
지난해, 이날, 23일. Given the publication date, :func:`normalize_date`
returns the date meant and its precision (``day``, ``month`` or ``year``).
Without a publication date only absolute dates (2024년 3월 5일, 2024-03-05)
can be normalised.

Which month a bare day belongs to follows news usage: a bare or 지난 day is
in the past (23일 published on the 21st is the 23rd of the previous month),
오는/다음 points to the future. A day of the month that does not exist
(2월 30일) gives no date rather than a wrong one.

>>> from datetime import date
>>> normalize_date("지난달 27일", date(2024, 7, 1))
NormalDate(value='2024-06-27', precision='day')
>>> normalize_date("지난 4월", date(2024, 6, 23))
NormalDate(value='2024-04', precision='month')
>>> normalize_date("지난해", date(2024, 7, 1))
NormalDate(value='2023', precision='year')
>>> normalize_date("23일", date(2024, 6, 23)).value
'2024-06-23'
>>> normalize_date("2023년 11월 3일", None).value
'2023-11-03'
>>> normalize_date("이날", None) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Precision = Literal["day", "month", "year"]
PRECISIONS: tuple[Precision, ...] = ("day", "month", "year")


@dataclass(frozen=True, slots=True)
class NormalDate:
    value: str  # YYYY-MM-DD, YYYY-MM or YYYY
    precision: Precision

    def attrs(self) -> dict[str, str]:
        """The attributes a record of a ``dates:`` label gets."""
        return {"value": self.value, "precision": self.precision}


def parse_published(value: object) -> date | None:
    """A publication date from ``YYYY-MM-DD`` (a datetime's date part is accepted too); None if unusable.

    >>> parse_published("2024-07-01T09:30:00+09:00")
    datetime.date(2024, 7, 1)
    >>> parse_published("yesterday") is None
    True
    """
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    found = re.match(r"^\s*(\d{4})[-./](\d{1,2})[-./](\d{1,2})", value)
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _day(year: int, month: int, day: int) -> NormalDate | None:
    try:
        return NormalDate(date(year, month, day).isoformat(), "day")
    except ValueError:
        return None


def _month(year: int, month: int) -> NormalDate | None:
    if not 1 <= month <= 12:
        return None
    return NormalDate(f"{year:04d}-{month:02d}", "month")


_SPACE = r"\s*"
_ABSOLUTE = re.compile(
    r"(\d{4})"
    + _SPACE
    + r"년"
    + _SPACE
    + r"(?:(\d{1,2})"
    + _SPACE
    + r"월(?:"
    + _SPACE
    + r"(\d{1,2})"
    + _SPACE
    + r"일)?)?"
)
_ISO = re.compile(r"(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?")
_MONTH_DAY = re.compile(
    r"(지난|오는|다음)?" + _SPACE + r"(\d{1,2})" + _SPACE + r"월(?:" + _SPACE + r"(\d{1,2})" + _SPACE + r"일)?"
)
_RELATIVE_MONTH_DAY = re.compile(r"(지난|이번|다음)" + _SPACE + r"달" + _SPACE + r"(\d{1,2})" + _SPACE + r"일")
_DAY = re.compile(r"(지난|오는)?" + _SPACE + r"(\d{1,2})" + _SPACE + r"일")
_WORDS_DAY = {
    "오늘": 0,
    "이날": 0,
    "당일": 0,
    "어제": -1,
    "전날": -1,
    "내일": 1,
    "다음날": 1,
    "이튿날": 1,
    "그제": -2,
    "그저께": -2,
    "모레": 2,
}
_WORDS_MONTH = {"이달": 0, "이번달": 0, "지난달": -1, "전달": -1, "다음달": 1, "내달": 1}
_WORDS_YEAR = {"올해": 0, "금년": 0, "지난해": -1, "작년": -1, "전년": -1, "내년": 1, "다음해": 1, "재작년": -2}


def normalize_date(text: str, published: date | None) -> NormalDate | None:
    """The date ``text`` means, read on ``published``; None when it cannot be told."""
    squashed = "".join(text.split())
    found = _ABSOLUTE.search(text)
    if found:
        year = int(found[1])
        if found[3]:
            return _day(year, int(found[2]), int(found[3]))
        if found[2]:
            return _month(year, int(found[2]))
        return NormalDate(f"{year:04d}", "year")
    found = _ISO.search(text)
    if found:
        if found[3]:
            return _day(int(found[1]), int(found[2]), int(found[3]))
        return _month(int(found[1]), int(found[2]))
    if published is None:
        return None
    found = _RELATIVE_MONTH_DAY.search(squashed)
    if found:
        year, month = _shift_month(published.year, published.month, {"지난": -1, "이번": 0, "다음": 1}[found[1]])
        return _day(year, month, int(found[2]))
    found = _MONTH_DAY.search(text)
    year_word = next((delta for word, delta in _WORDS_YEAR.items() if squashed.startswith(word)), None)
    if found and year_word is not None:
        # 지난해 3월, 올해 5월 10일: the year is given, the month is not relative
        if found[3]:
            return _day(published.year + year_word, int(found[2]), int(found[3]))
        return _month(published.year + year_word, int(found[2]))
    if found:
        month = int(found[2])
        direction = found[1]
        year = published.year
        if direction in ("오는", "다음"):
            if month < published.month or (month == published.month and found[3] and int(found[3]) < published.day):
                year += 1
        elif (
            month > published.month
            or (direction == "지난" and month == published.month and not found[3])
            or (month == published.month and found[3] and int(found[3]) > published.day)
        ):
            year -= 1
        if found[3]:
            return _day(year, month, int(found[3]))
        return _month(year, month)
    found = _DAY.search(text)
    if found:
        day = int(found[2])
        year, month = published.year, published.month
        if found[1] == "오는":
            if day < published.day:
                year, month = _shift_month(year, month, 1)
        elif day > published.day or (found[1] == "지난" and day == published.day):
            year, month = _shift_month(year, month, -1)
        return _day(year, month, day)
    for word, delta in _WORDS_DAY.items():
        if squashed == word or squashed.startswith(word):
            return NormalDate((published + timedelta(days=delta)).isoformat(), "day")
    for word, delta in _WORDS_MONTH.items():
        if squashed.startswith(word):
            year, month = _shift_month(published.year, published.month, delta)
            return _month(year, month)
    for word, delta in _WORDS_YEAR.items():
        if squashed.startswith(word):
            return NormalDate(f"{published.year + delta:04d}", "year")
    return None
