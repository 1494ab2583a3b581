"""Datetime payload values: the formats Qdrant accepts, as UTC microseconds since the epoch."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RE = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s?(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*"
)


def parse_datetime(text: str, keep_naive: bool = False) -> datetime | None:
    """Parse an RFC 3339-like string (date only, no seconds, space separator, +HH offsets
    allowed; naive means UTC, or stays naive with ``keep_naive``); None when it is not a
    datetime."""
    m = _RE.fullmatch(text)
    if m is None:
        return None
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    if hh is None and tz is not None:
        return None
    micros = int((frac or "0")[:6].ljust(6, "0"))
    offset: timezone | None = None if keep_naive and tz is None else UTC
    if tz and tz not in ("Z", "z", "UTC"):
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
        offset = timezone(sign * timedelta(minutes=minutes))
    try:
        return datetime(
            int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), micros, tzinfo=offset
        )
    except ValueError:
        return None


def to_micros(value: datetime | date) -> int:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_micros(text: str) -> int | None:
    dt = parse_datetime(text)
    return None if dt is None else to_micros(dt)
