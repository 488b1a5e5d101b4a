"""Tron-style time variables in Chronos commands: ``%(shortdate-14)s``, ``%(unixtime+3600)s``, ``%%``.

A reference is ``%(<name>[+-<delta>])<conversion>``; the name selects a date field of the run time and the
delta moves the run time in that field's unit before formatting:

========== ===================== ===========================================
name       value                 delta unit
========== ===================== ===========================================
shortdate  ``%Y-%m-%d``          days
year       ``%Y``                years (same month, day and hour)
month      ``%m``                months (wrapping into the next/previous year)
day        ``%d``                days
hour       ``%H``                hours
unixtime   epoch seconds (int)   seconds
daynumber  ``date.toordinal()``  days
========== ===================== ===========================================

A naive run time is local time, as upstream used ``datetime.now()`` and ``time.mktime``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from paasta_tools.errors import InvalidChronosConfigError

VARIABLES = ("shortdate", "year", "month", "day", "hour", "unixtime", "daynumber")

_DATE_FORMATS = {"shortdate": "%Y-%m-%d", "year": "%Y", "month": "%m", "day": "%d", "hour": "%H"}
# tron matched names with re.match, so trailing text after the delta is ignored ("day+1x" is "day+1").
_NAME_RE = re.compile(r"(\w+)([+-]\d+)?")
# Everything Python's %-formatting accepts after a mapping key, except the '*' width/precision.
_REFERENCE_RE = re.compile(
    r"%(?:(?P<percent>%)|\((?P<name>[^()]*)\)(?P<spec>[#0 +-]*\d*(?:\.\d*)?[hlL]?[diouxXeEfFgGcrsa]))"
)
_HINT = "Hint: do you need to escape % chars?"


@dataclass(frozen=True)
class _Token:
    literal: str = ""
    name: str | None = None
    spec: str = ""


def _tokens(cmd: str) -> Iterator[_Token]:
    """Split ``cmd`` into literal text and variable references; raise on any stray ``%``."""
    pos = 0
    while pos < len(cmd):
        percent = cmd.find("%", pos)
        if percent < 0:
            yield _Token(literal=cmd[pos:])
            return
        if percent > pos:
            yield _Token(literal=cmd[pos:percent])
        match = _REFERENCE_RE.match(cmd, percent)
        if match is None:
            raise InvalidChronosConfigError(
                f"Unparseable command '{cmd}': stray '%' at position {percent}. {_HINT} Write '%%' for a literal '%'."
            )
        if match.group("percent"):
            yield _Token(literal="%")
        else:
            yield _Token(name=match.group("name"), spec=match.group("spec"))
        pos = match.end()


def _shift_months(run_time: datetime.datetime, months: int, name: str) -> datetime.datetime:
    total = run_time.year * 12 + (run_time.month - 1) + months
    year, month = divmod(total, 12)
    try:
        return run_time.replace(year=year, month=month + 1)
    except ValueError:
        # tron rebuilt the date with the same day and failed the same way.
        raise ValueError(
            f"time variable '{name}' at {run_time:%Y-%m-%d}: day {run_time.day} does not exist in "
            f"{year:04d}-{month + 1:02d}"
        ) from None


def _unixtime(run_time: datetime.datetime) -> int:
    # A naive datetime is local time, exactly what time.mktime assumed upstream.
    return int(run_time.timestamp())


def time_variable_value(name: str, run_time: datetime.datetime) -> str | int:
    """Value of one variable reference such as ``month-3`` at ``run_time``.

    Raises KeyError for an unknown name, ValueError when month/year arithmetic lands on a missing day.
    """
    match = _NAME_RE.match(name)
    attr = match.group(1) if match else ""
    if attr not in VARIABLES:
        known = ", ".join(VARIABLES)
        raise KeyError(f"unknown time variable '{name}' (known: {known}, each with an optional +N/-N delta)")
    delta = int(match.group(2)) if match and match.group(2) else 0
    if attr == "unixtime":
        return _unixtime(run_time) + delta
    if attr == "daynumber":
        return run_time.toordinal() + delta
    if attr in ("shortdate", "day"):
        run_time += datetime.timedelta(days=delta)
    elif attr == "hour":
        run_time += datetime.timedelta(hours=delta)
    elif attr == "month":
        run_time = _shift_months(run_time, delta, name)
    elif attr == "year":
        run_time = _shift_months(run_time, 12 * delta, name)
    return run_time.strftime(_DATE_FORMATS[attr])


def parse_time_variables(cmd: str, run_time: datetime.datetime) -> str:
    """Return ``cmd`` with every ``%(var[+-N])s`` replaced by its value at ``run_time`` and ``%%`` by ``%``.

    Raises InvalidChronosConfigError naming the command and the offending variable or ``%``.
    """
    parts = []
    for token in _tokens(cmd):
        if token.name is None:
            parts.append(token.literal)
            continue
        try:
            value = time_variable_value(token.name, run_time)
        except KeyError as exc:
            raise InvalidChronosConfigError(f"Unparseable command '{cmd}': {exc.args[0]}. {_HINT}") from None
        except ValueError as exc:
            raise InvalidChronosConfigError(f"Cannot interpolate command '{cmd}': {exc}") from None
        parts.append(_format_value(cmd, token, value))
    return "".join(parts)


def _format_value(cmd: str, token: _Token, value: str | int) -> str:
    try:
        return ("%" + token.spec) % (value,)
    except (TypeError, ValueError) as exc:
        raise InvalidChronosConfigError(
            f"Unparseable command '{cmd}': '%({token.name}){token.spec}' cannot format {value!r} ({exc}). "
            f"Use '%({token.name})s'."
        ) from None


def uses_time_variables(cmd: str) -> bool:
    """True when ``cmd`` references any time variable (a ``%%`` escape alone does not count).

    Raises InvalidChronosConfigError when ``cmd`` has a stray ``%``.
    """
    return any(token.name is not None for token in _tokens(cmd))


def check_command(cmd: str) -> str | None:
    """A message explaining why ``cmd`` cannot be interpolated, or None when it can."""
    try:
        parse_time_variables(cmd, datetime.datetime(2017, 1, 15, 12, 0, 0))
    except InvalidChronosConfigError as exc:
        return str(exc)
    return None
