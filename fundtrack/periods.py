"""Dates, months and fiscal years, and spreading an amount over periods by days.

A :class:`DateRange` includes both its start and end dates. A fiscal calendar is
just the month its years start in: April for the Table, Centraide and governments,
January for the City and the boroughs (whose years are labelled ``"2026"``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.limits import M_DATE_RANGE, MAX_DATE, MIN_DATE, check_date
from fundtrack.money import allocate

M_END_BEFORE_START = msg("period.end_before_start")
M_BAD_MONTH = msg("period.bad_month")
M_BAD_LABEL = msg("period.bad_label")
M_BAD_DATE = msg("field.bad_date")
M_BAD_RANGE = msg("period.bad_range")
M_NO_OVERLAP = msg("period.no_overlap")


def parse_date(value: str | date, field: str | None = None) -> date:
    """An ISO date (``2026-04-01``) or a :class:`date` within the documented range; else :class:`InputError`."""
    if isinstance(value, date):
        return check_date(value, field)
    try:
        day = date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InputError(M_BAD_DATE, field=field, value=value) from None
    return check_date(day, field)


@dataclass(frozen=True, order=True)
class DateRange:
    """From ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(M_END_BEFORE_START, start=self.start, end=self.end)

    @classmethod
    def checked(cls, start: date, end: date, field: str | None = None) -> DateRange:
        if end < start:
            raise InputError(M_END_BEFORE_START, field=field, start=start, end=end)
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def overlap(self, other: DateRange) -> DateRange | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return DateRange(start, end) if start <= end else None

    def overlap_days(self, other: DateRange) -> int:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return (end - start).days + 1 if start <= end else 0

    def covers(self, other: DateRange) -> bool:
        return self.start <= other.start and other.end <= self.end

    def months(self) -> list[Month]:
        """The calendar months this range touches, in order."""
        return list(iter_months(self.start, self.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}:{self.end.isoformat()}"


@dataclass(frozen=True, order=True)
class Month(DateRange):
    """A calendar month (``2026-01``)."""

    @classmethod
    def of(cls, day: date) -> Month:
        last = calendar.monthrange(day.year, day.month)[1]
        return cls(date(day.year, day.month, 1), date(day.year, day.month, last))

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def month(self) -> int:
        return self.start.month

    @property
    def label(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    def next(self) -> Month:
        return Month.of(self.end + timedelta(days=1))

    def __str__(self) -> str:
        return self.label


def iter_months(start: date, end: date) -> Iterator[Month]:
    month = Month.of(start)
    while month.start <= end:
        yield month
        month = month.next()


@dataclass(frozen=True, order=True)
class FiscalYear(DateRange):
    """One fiscal year of some calendar; labelled ``2025-2026``, or ``2026`` from January."""

    @property
    def label(self) -> str:
        if self.start.month == 1:
            return str(self.start.year)
        return f"{self.start.year}-{self.end.year}"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class FiscalCalendar:
    """Fiscal years starting on the first day of ``start_month``."""

    start_month: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise InputError(M_BAD_MONTH, value=self.start_month)

    def starting(self, year: int) -> FiscalYear:
        """The fiscal year that starts in calendar year ``year``."""
        start = date(year, self.start_month, 1)
        if self.start_month == 1:
            end = date(year, 12, 31)
        else:
            end = date(year + 1, self.start_month, 1) - timedelta(days=1)
        return FiscalYear(start, end)

    def year_of(self, day: date) -> FiscalYear:
        year = day.year if day.month >= self.start_month else day.year - 1
        return self.starting(year)

    def years(self, rng: DateRange) -> list[FiscalYear]:
        """The fiscal years that ``rng`` touches, in order."""
        out = [self.year_of(rng.start)]
        while out[-1].end < rng.end:
            out.append(self.starting(out[-1].start.year + 1))
        return out

    def parse(self, label: str, field: str | None = None) -> FiscalYear:
        """Read ``2025-2026`` (or ``2026`` for a calendar that starts in January)."""
        example = "2026" if self.start_month == 1 else "2025-2026"
        text = label.strip()
        m = re.fullmatch(r"(\d{4})(?:\s*[-–/]\s*(\d{2}|\d{4}))?", text)
        if not m:
            raise InputError(M_BAD_LABEL, field=field, value=label, example=example)
        first = int(m.group(1))
        second = m.group(2)
        if self.start_month == 1:
            if second is not None and not _names_year(second, first):
                raise InputError(M_BAD_LABEL, field=field, value=label, example=example)
        elif second is None or not _names_year(second, first + 1):
            raise InputError(M_BAD_LABEL, field=field, value=label, example=example)
        year = self.starting(first) if MIN_DATE.year <= first <= MAX_DATE.year else None
        if year is None or year.end > MAX_DATE:
            raise InputError(M_DATE_RANGE, field=field, value=label, low=MIN_DATE, high=MAX_DATE)
        return year


def _names_year(text: str, year: int) -> bool:
    """A label's second year names ``year`` in full (``2026``) or by its last two digits (``26``)."""
    return int(text) == (year if len(text) == 4 else year % 100)


CALENDAR_YEAR = FiscalCalendar(1)


def parse_range(text: str, calendar_: FiscalCalendar, field: str | None = None) -> DateRange:
    """``2026-04-01:2027-03-31``, or a fiscal year label of ``calendar_``."""
    if ":" in text:
        first, _, second = text.partition(":")
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(second.strip())
        except ValueError:
            raise InputError(M_BAD_RANGE, field=field, value=text) from None
        return DateRange.checked(check_date(start, field), check_date(end, field), field)
    try:
        return calendar_.parse(text, field)
    except InputError as exc:
        if exc.code == M_DATE_RANGE:
            raise
        raise InputError(M_BAD_RANGE, field=field, value=text) from None


def spread_by_days(total: Decimal, rng: DateRange, periods: Sequence[DateRange]) -> list[Decimal]:
    """Split ``total`` over ``periods`` in proportion to the days of ``rng`` in each.

    Start and end dates count. Cents are shared by largest remainder (earlier period
    first on a tie), so the parts add up exactly to ``total`` (domain.md 4.2). A
    period outside the range gets zero; if no period overlaps the range,
    :class:`InputError` is raised.
    """
    weights = [rng.overlap_days(p) for p in periods]
    if total and not any(weights):
        raise InputError(M_NO_OVERLAP, start=rng.start, end=rng.end)
    return allocate(total, weights)
