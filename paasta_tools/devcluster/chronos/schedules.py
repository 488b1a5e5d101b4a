"""Chronos 2.x schedule arithmetic: Joda-style ISO 8601 periods, repeating intervals and cron.

A schedule is ``R[n]/<start>/<period>`` (``R`` = forever, ``Rn`` = n more runs, empty start = now)
or, as in the Chronos fork PaaSTA ran, a 5-field cron expression.  ``scheduleTimeZone`` keeps the
start's wall-clock fields and moves them into that zone (Joda ``withZoneRetainFields``); an unknown
zone name means GMT, as ``java.util.TimeZone.getTimeZone`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from dateutil.relativedelta import relativedelta

ISO_SCHEDULE_RE = re.compile(r"(R[0-9]*)/(.*)/(P.*)", re.DOTALL)
_PERIOD_RE = re.compile(
    r"P(?:(?P<years>[+-]?\d+)Y)?(?:(?P<months>[+-]?\d+)M)?(?:(?P<weeks>[+-]?\d+)W)?(?:(?P<days>[+-]?\d+)D)?"
    r"(?:T(?:(?P<hours>[+-]?\d+)H)?(?:(?P<minutes>[+-]?\d+)M)?"
    r"(?:(?P<seconds>[+-]?\d+)(?:[.,](?P<fraction>\d{1,3}))?S)?)?"
)
FOREVER = -1


@dataclass(frozen=True)
class Period:
    """A Joda ``Period`` in the standard type: each field kept as written (PT60S stays PT60S)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0
    millis: int = 0

    @property
    def is_zero(self) -> bool:
        return not any(
            (self.years, self.months, self.weeks, self.days, self.hours, self.minutes, self.seconds, self.millis)
        )

    @property
    def is_fixed(self) -> bool:
        """True when the period has no calendar fields, so it is one fixed duration."""
        return not (self.years or self.months or self.weeks or self.days)

    def fixed_part(self) -> timedelta:
        return timedelta(hours=self.hours, minutes=self.minutes, seconds=self.seconds, milliseconds=self.millis)


def parse_period(text: str) -> Period:
    """Parse an ISO 8601 period as Joda's ``ISOPeriodFormat.standard()``; ValueError when it cannot."""
    match = _PERIOD_RE.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f'Invalid format: "{text}"')
    values = {name: int(value) for name, value in match.groupdict().items() if value and name != "fraction"}
    fraction = match.group("fraction")
    if fraction:
        millis = int(fraction.ljust(3, "0"))
        values["millis"] = -millis if values.get("seconds", 0) < 0 else millis
    return Period(**values)


def format_period(period: Period) -> str:
    """Joda ``Period.toString()``: zero fields omitted, ``PT0S`` when all are zero."""
    if period.is_zero:
        return "PT0S"
    date = "".join(
        f"{value}{unit}"
        for value, unit in ((period.years, "Y"), (period.months, "M"), (period.weeks, "W"), (period.days, "D"))
        if value
    )
    time = "".join(f"{value}{unit}" for value, unit in ((period.hours, "H"), (period.minutes, "M")) if value)
    if period.seconds or period.millis:
        if period.millis:
            total = period.seconds * 1000 + period.millis
            sign = "-" if total < 0 else ""
            time += f"{sign}{abs(total) // 1000}.{abs(total) % 1000:03d}S"
        else:
            time += f"{period.seconds}S"
    return "P" + date + ("T" + time if time else "")


def add_period(moment: datetime, period: Period, times: int = 1) -> datetime:
    """``moment`` plus ``times`` periods: calendar fields on the wall clock, time fields as elapsed time."""
    zone = moment.tzinfo or UTC
    local = moment.astimezone(zone).replace(tzinfo=None)
    local += relativedelta(years=period.years * times, months=period.months * times)
    local += timedelta(weeks=period.weeks * times, days=period.days * times)
    shifted = local.replace(tzinfo=zone)
    return (shifted.astimezone(UTC) + period.fixed_part() * times).astimezone(zone)


def resolve_zone(name: str | None) -> tzinfo | None:
    """The tz of a ``scheduleTimeZone`` value; None for "" (keep the start's own offset)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_start(text: str, zone_name: str | None) -> datetime:
    """A schedule start as Joda ``DateTime.parse`` + ``withZoneRetainFields``; no offset means UTC."""
    if "T" not in text and len(text) > 10:
        raise ValueError(f'Invalid format: "{text}"')
    parsed = datetime.fromisoformat(text)
    zone = resolve_zone(zone_name)
    if zone is not None:
        return parsed.replace(tzinfo=zone)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_start(moment: datetime) -> str:
    """Joda ``ISODateTimeFormat.dateTime()``: millisecond precision, ``Z`` for a zero offset."""
    text = moment.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class IsoSchedule:
    """A parsed repeating interval: ``repeat`` runs left (FOREVER for ``R``), next ``start``, ``period``."""

    repeat: int
    start: datetime
    period: Period

    def format(self) -> str:
        count = "" if self.repeat == FOREVER else str(self.repeat)
        return f"R{count}/{format_start(self.start)}/{format_period(self.period)}"

    def advanced(self, times: int = 1) -> IsoSchedule:
        """The schedule after ``times`` occurrences (Chronos' stream tail)."""
        repeat = self.repeat if self.repeat == FOREVER else max(self.repeat - times, 0)
        return IsoSchedule(repeat, add_period(self.start, self.period, times), self.period)


def parse_iso_schedule(text: str, zone_name: str | None, now: datetime) -> IsoSchedule:
    """Parse ``R[n]/start/period``; ValueError when Chronos could not (zero periods rejected too)."""
    match = ISO_SCHEDULE_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"schedule {text!r} is not R[n]/<start>/<period>")
    repeat_text, start_text, period_text = match.groups()
    repeat = FOREVER if len(repeat_text) == 1 else int(repeat_text[1:])
    period = parse_period(period_text)
    if period.is_zero or any(value < 0 for value in vars(period).values()):
        raise ValueError(f"schedule {text!r} has a period that never advances")
    start = now - timedelta(seconds=1) if not start_text else parse_start(start_text, zone_name)
    return IsoSchedule(repeat, start, period)


def is_cron(text: str) -> bool:
    """True for a valid 5-field cron expression."""
    return len(text.split()) == 5 and croniter.is_valid(text)


def next_cron(expression: str, after: datetime, zone_name: str | None) -> datetime:
    """The first cron occurrence strictly after ``after``, evaluated in the job's zone (UTC by default)."""
    zone = resolve_zone(zone_name) or UTC
    return croniter(expression, after.astimezone(zone)).get_next(datetime)


def can_parse(schedule: str, zone_name: str | None, now: datetime) -> bool:
    """Whether a POSTed schedule is accepted (ISO 8601 repeating interval or cron)."""
    if is_cron(schedule):
        return True
    try:
        parse_iso_schedule(schedule, zone_name, now)
    except (ValueError, OverflowError):
        return False
    return True


def periods_to_skip(start: datetime, period: Period, cutoff: datetime) -> int:
    """How many whole periods move ``start`` past ``cutoff`` (occurrences at or before it are missed)."""
    if start > cutoff:
        return 0
    if period.is_fixed:
        step = period.fixed_part()
        return int((cutoff - start) // step) + 1
    approximate = add_period(start, period) - start
    count = max(int((cutoff - start) // approximate) - 2, 0) if approximate > timedelta(0) else 0
    while count > 0 and add_period(start, period, count - 1) > cutoff:
        count -= 1
    while add_period(start, period, count) <= cutoff:
        count += 1
    return count
