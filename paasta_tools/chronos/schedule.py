"""Chronos schedules: validation, parsing and run-time math.

Two forms are accepted (§2.5): an ISO 8601 repeating interval ``R[n]/<start>/<period>`` (Chronos itself) and a
5-field cron line (Yelp's Chronos fork).  ``schedule_time_zone`` names the zone whose wall clock the start (or the
cron fields) are read in; UTC when unset.  Calendar parts of a period (years, months, weeks, days) move the wall
clock, time parts (hours, minutes, seconds) elapse, as Joda-Time adds periods for Chronos.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import enum
import functools
import math
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

import isodate
from croniter import croniter

from paasta_tools.errors import InvalidChronosConfigError

UTC = datetime.UTC
MIN_INTERVAL_SECONDS = 60
EXAMPLE_START = "2014-09-25T00:00:00Z"
_PERIOD_RE = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_REPEAT_RE = re.compile(r"^R(\d*)$")
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


class ScheduleType(enum.Enum):
    CRON = "cron"
    ISO8601 = "iso8601"


@dataclass(frozen=True)
class Period:
    """An ISO 8601 duration split into calendar parts (wall clock) and an elapsed time part."""

    years: int = 0
    months: int = 0
    days: int = 0
    elapsed: datetime.timedelta = datetime.timedelta(0)

    @property
    def is_elapsed_only(self) -> bool:
        return not (self.years or self.months or self.days)

    @property
    def is_zero(self) -> bool:
        return self.is_elapsed_only and self.elapsed <= datetime.timedelta(0)


@dataclass(frozen=True)
class IsoSchedule:
    """``R[n]/start/period``: ``repeat`` None means forever; ``start`` None means "when saved"."""

    repeat: int | None
    start: datetime.datetime | None
    period: Period


def parse_period(text: str) -> Period:
    """Parse a Joda-style ISO 8601 period (``PnYnMnWnDTnHnMnS``); raise InvalidChronosConfigError."""
    match = _PERIOD_RE.match(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise InvalidChronosConfigError(
            f"period '{text}' is not an ISO 8601 duration; write e.g. 'PT30M', 'PT1H', 'P1D', 'P1W' or 'P1M'"
        )
    parts = {name: value for name, value in match.groupdict().items() if value}
    elapsed = datetime.timedelta(
        hours=int(parts.get("hours", 0)),
        minutes=int(parts.get("minutes", 0)),
        seconds=float(parts.get("seconds", 0)),
    )
    days = 7 * int(parts.get("weeks", 0)) + int(parts.get("days", 0))
    return Period(years=int(parts.get("years", 0)), months=int(parts.get("months", 0)), days=days, elapsed=elapsed)


def parse_iso_schedule(schedule: str) -> IsoSchedule:
    """Split and parse ``R[n]/start/period``; raise InvalidChronosConfigError saying what to write instead."""
    parts = schedule.split("/")
    if len(parts) != 3:
        raise InvalidChronosConfigError(
            f"schedule '{schedule}' is neither a valid cron schedule nor a valid ISO 8601 schedule; write a 5-field "
            f"cron line such as '0 3 * * *' or 'R/<start>/<period>' such as 'R/{EXAMPLE_START}/PT24H'"
        )
    repeat_text, start_text, period_text = parts
    repeat_match = _REPEAT_RE.match(repeat_text)
    if repeat_match is None:
        raise InvalidChronosConfigError(
            f"schedule '{schedule}': repeat '{repeat_text}' must be 'R' (forever) or 'R<n>' (n runs), e.g. 'R5'"
        )
    repeat = int(repeat_match.group(1)) if repeat_match.group(1) else None
    start = _parse_start(schedule, start_text) if start_text else None
    try:
        period = parse_period(period_text)
    except InvalidChronosConfigError as exc:
        raise InvalidChronosConfigError(f"schedule '{schedule}': {exc}") from None
    return IsoSchedule(repeat=repeat, start=start, period=period)


def _parse_start(schedule: str, start_text: str) -> datetime.datetime:
    try:
        return isodate.parse_datetime(start_text)
    except (ValueError, isodate.ISO8601Error):
        raise InvalidChronosConfigError(
            f"schedule '{schedule}': start '{start_text}' is not an ISO 8601 date-time; write it like '{EXAMPLE_START}'"
        ) from None


def is_cron(schedule: str) -> bool:
    """True for a valid 5-field cron line or an ``@daily``-style macro (not ``@reboot``)."""
    text = schedule.strip()
    if text.lower() in _CRON_MACROS:
        return True
    if len(text.split()) != 5:
        return False
    try:
        return croniter.is_valid(text)
    except Exception:  # croniter raises assorted errors on odd input; any of them means "not cron"
        return False


def get_schedule_type(schedule: str | None) -> ScheduleType | None:
    """CRON, ISO8601, or None when ``schedule`` is None or neither form."""
    if schedule is None:
        return None
    if is_cron(schedule):
        return ScheduleType.CRON
    try:
        parse_iso_schedule(schedule)
    except InvalidChronosConfigError:
        return None
    return ScheduleType.ISO8601


def _cron_message(schedule: str) -> str:
    try:
        croniter(schedule.strip())
        detail = "it is not supported"
    except Exception as exc:  # croniter's error types vary between releases
        detail = str(exc) or type(exc).__name__
    return (
        f"schedule '{schedule}' is not a valid cron schedule ({detail}); write 5 fields 'minute hour day-of-month "
        f"month day-of-week' such as '*/15 * * * *' or '0 3 * * 1-5'"
    )


def _check_iso_period(schedule: str, period: Period) -> list[str]:
    if period.is_elapsed_only and period.elapsed.total_seconds() < MIN_INTERVAL_SECONDS:
        seconds = period.elapsed.total_seconds()
        return [
            f"schedule '{schedule}' runs every {seconds:g} seconds; jobs must be run at an interval of "
            f"at least 60 seconds: use a period of PT1M or more"
        ]
    return []


def check_schedule(schedule: str, time_zone: str | None) -> list[str]:
    """Messages about ``schedule`` (and ``time_zone``) that say what to write instead; empty when valid."""
    messages = []
    if time_zone is not None:
        tz_message = check_time_zone(time_zone)
        if tz_message:
            messages.append(tz_message)
    if not isinstance(schedule, str) or not schedule.strip():
        return [*messages, f"schedule {schedule!r} is empty; write e.g. '0 3 * * *' or 'R/{EXAMPLE_START}/PT24H'"]
    if is_cron(schedule):
        return messages
    fields = len(schedule.split())
    looks_iso = fields == 1 and schedule.strip().startswith("R")
    if fields == 5 and not looks_iso:
        return [*messages, _cron_message(schedule)]
    if fields > 5:
        return [
            *messages,
            f"schedule '{schedule}' has {fields} fields; cron schedules have exactly 5 (no seconds or "
            f"year field), e.g. '*/15 * * * *'",
        ]
    try:
        parsed = parse_iso_schedule(schedule)
    except InvalidChronosConfigError as exc:
        return [*messages, str(exc)]
    if parsed.start is None:
        repeat, _, period = schedule.split("/")
        messages.append(
            f"schedule '{schedule}' has no start time, so Chronos would start it whenever the job is saved; "
            f"write a start such as '{repeat}/{EXAMPLE_START}/{period}'"
        )
    return messages + _check_iso_period(schedule, parsed.period)


@functools.lru_cache(maxsize=1)
def _known_time_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def get_time_zone(time_zone: str | None) -> zoneinfo.ZoneInfo | datetime.timezone:
    """The tzinfo for a tz database name (UTC when None); raise InvalidChronosConfigError for unknown names."""
    if time_zone is None or time_zone == "":
        return UTC
    message = check_time_zone(time_zone)
    if message:
        raise InvalidChronosConfigError(message)
    return zoneinfo.ZoneInfo(time_zone)


def check_time_zone(time_zone: str) -> str | None:
    """A message when ``time_zone`` is not a tz database name, else None."""
    try:
        zoneinfo.ZoneInfo(time_zone)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        pass
    close = difflib.get_close_matches(str(time_zone), _known_time_zones(), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "use a name such as 'America/Los_Angeles' or 'UTC'"
    return f"schedule_time_zone '{time_zone}' is not a tz database time zone name; {hint}"


def check_job_kind(schedule: str | None, parents: object) -> str | None:
    """A message when a job has both ``schedule`` and ``parents`` or neither, else None."""
    if schedule and parents:
        return "a job may have a 'schedule' or 'parents', not both: remove one of them"
    if not schedule and not parents:
        return "a job needs a 'schedule' (e.g. '0 3 * * *') or 'parents' (e.g. ['service.instance'])"
    return None


def check_parents(parents: list[str] | str, own_name: str | None = None) -> list[str]:
    """Messages for parents not written ``service.instance`` or naming the job itself (``own_name``)."""
    listed = [parents] if isinstance(parents, str) else list(parents)
    messages = []
    for parent in listed:
        if not isinstance(parent, str) or len(parent.split(".")) != 2 or "" in parent.split("."):
            messages.append(f"parent {parent!r} must be written 'service.instance', e.g. 'myservice.nightly'")
        elif own_name is not None and parent == own_name:
            messages.append(f"parent '{parent}' is the job itself; a job cannot depend on itself")
    return messages


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in UTC (naive means UTC): aware datetimes sharing a tzinfo compare and subtract by wall clock."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _localize(wall: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    """Wall-clock time in ``tz`` as an aware datetime; a time in a DST gap moves forward by the gap (as Joda)."""
    return wall.replace(tzinfo=tz, fold=0)


def _exists(wall: datetime.datetime, tz: datetime.tzinfo) -> bool:
    return _localize(wall, tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def _first_after_gap(wall: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    """The instant a DST gap containing ``wall`` ends (cron runs everything skipped by the gap then)."""
    start = wall.replace(second=0, microsecond=0)
    while not _exists(start - datetime.timedelta(minutes=1), tz):
        start -= datetime.timedelta(minutes=1)
    return _localize(start, tz)


def _add_calendar(wall: datetime.datetime, period: Period, times: int) -> datetime.datetime:
    total_months = wall.year * 12 + wall.month - 1 + times * (12 * period.years + period.months)
    year, month = divmod(total_months, 12)
    # Joda clamps to the last day of a shorter month (Jan 31 + P1M = Feb 28).
    last_day = calendar.monthrange(year, month + 1)[1]
    moved = wall.replace(year=year, month=month + 1, day=min(wall.day, last_day))
    return moved + datetime.timedelta(days=times * period.days)


def add_period(moment: datetime.datetime, period: Period, tz: datetime.tzinfo, times: int = 1) -> datetime.datetime:
    """``moment`` plus ``times`` periods: calendar parts on the wall clock of ``tz``, time parts elapsed."""
    moment = _aware(moment)
    if not period.is_elapsed_only:
        wall = moment.astimezone(tz).replace(tzinfo=None)
        moment = _localize(_add_calendar(wall, period, times), tz)
    return _normalize(moment.astimezone(UTC) + times * period.elapsed, tz)


def _start_in_zone(start: datetime.datetime, tz: datetime.tzinfo, zone_given: bool) -> datetime.datetime:
    # scheduleTimeZone re-reads the start's wall-clock fields in that zone; without it an offset-less start is UTC.
    if zone_given or start.tzinfo is None:
        return _localize(start.replace(tzinfo=None), tz)
    return start


def _estimate_runs(start: datetime.datetime, period: Period, after: datetime.datetime) -> int:
    days = period.days + 30.436875 * period.months + 365.2425 * period.years
    average = period.elapsed.total_seconds() + 86400 * days
    # Stay a few periods short of the target so DST and month lengths cannot overshoot it.
    return max(0, math.floor((after - start).total_seconds() / average) - 2)


def _iso_next(
    parsed: IsoSchedule, tz: datetime.tzinfo, zone_given: bool, after: datetime.datetime
) -> datetime.datetime | None:
    if parsed.repeat == 0 or parsed.period.is_zero:
        return None
    if parsed.start is None:
        return after
    start = _start_in_zone(parsed.start, tz, zone_given)
    runs, moment = 0, start
    if parsed.period.years or parsed.period.months:
        # Chronos re-adds the period run after run, so a clamped day-of-month sticks (Jan 31, Feb 28, Mar 28).
        while moment < after:
            moment = add_period(moment, parsed.period, tz)
            runs += 1
    else:
        # Counted from the start, so a run pushed out of a DST gap does not drag the later ones along.
        runs = _estimate_runs(start, parsed.period, after) if start < after else 0
        moment = add_period(start, parsed.period, tz, runs)
        while moment < after:
            runs += 1
            moment = add_period(start, parsed.period, tz, runs)
    if parsed.repeat is not None and runs >= parsed.repeat:
        return None
    return _normalize(moment, tz)


def _normalize(moment: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    # astimezone() to the same tzinfo is a no-op, which would keep a wall time that falls in a DST gap.
    return moment.astimezone(UTC).astimezone(tz)


def _cron_candidates(schedule: str, wall: datetime.datetime, backwards: bool = False) -> Iterator[datetime.datetime]:
    cron = croniter(schedule.strip(), wall)
    while True:
        yield cron.get_prev(datetime.datetime) if backwards else cron.get_next(datetime.datetime)


def _cron_instant(wall: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    return _localize(wall, tz) if _exists(wall, tz) else _first_after_gap(wall, tz)


def _cron_next(schedule: str, tz: datetime.tzinfo, after: datetime.datetime) -> datetime.datetime:
    wall = after.astimezone(tz).replace(tzinfo=None) - datetime.timedelta(microseconds=1)
    # Wall times repeated when clocks go back run once, at their first occurrence.
    for candidate in _cron_candidates(schedule, wall):
        moment = _cron_instant(candidate, tz)
        if moment >= after:
            return moment
    raise AssertionError("unreachable: the candidate generator is infinite")


def _cron_previous(schedule: str, tz: datetime.tzinfo, before: datetime.datetime) -> datetime.datetime:
    wall = before.astimezone(tz).replace(tzinfo=None) + datetime.timedelta(seconds=1)
    for candidate in _cron_candidates(schedule, wall, backwards=True):
        moment = _cron_instant(candidate, tz)
        if moment <= before:
            return moment
    raise AssertionError("unreachable: the candidate generator is infinite")


def next_run_time(schedule: str, time_zone: str | None, after: datetime.datetime) -> datetime.datetime | None:
    """The first run of ``schedule`` at or after ``after`` (naive = UTC), in the job's zone.

    None when the schedule is invalid or has no runs left (``R0``, ``Rn`` exhausted).  An ISO schedule
    without a start runs as soon as it is saved, so its next run is ``after`` itself.
    """
    after = _aware(after)
    try:
        tz = get_time_zone(time_zone)
    except InvalidChronosConfigError:
        return None
    if is_cron(schedule):
        return _normalize(_cron_next(_expand_macro(schedule), tz, after), tz)
    try:
        parsed = parse_iso_schedule(schedule)
    except InvalidChronosConfigError:
        return None
    return _iso_next(parsed, tz, bool(time_zone), after)


def _expand_macro(schedule: str) -> str:
    macros = {
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    }
    return macros.get(schedule.strip().lower(), schedule)


def get_schedule_interval_in_seconds(
    schedule: str | None, time_zone: str | None, now: datetime.datetime
) -> float | None:
    """Seconds between runs around ``now``: for cron the next run minus the previous one (in the job's zone,
    so DST days count 23 or 25 hours), for ISO the period applied at ``now``.  None when unparseable.
    """
    if not schedule:
        return None
    now = _aware(now)
    try:
        tz = get_time_zone(time_zone)
    except InvalidChronosConfigError:
        return None
    if is_cron(schedule):
        expr = _expand_macro(schedule)
        after = now + datetime.timedelta(microseconds=1)
        return (_aware(_cron_next(expr, tz, after)) - _aware(_cron_previous(expr, tz, now))).total_seconds()
    try:
        parsed = parse_iso_schedule(schedule)
    except InvalidChronosConfigError:
        return None
    if parsed.period.is_zero:
        return None
    return (_aware(add_period(now, parsed.period, tz)) - now).total_seconds()
