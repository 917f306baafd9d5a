"""One notion of time for the whole app: UTC, ISO 8601, millisecond precision.

Times are stored as text so a project file stays readable with any SQLite tool;
normalising every input to the same shape keeps them sortable as strings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# US time-zone abbreviations MTurk writes in its batch results ("PST", "PDT").
_TZ_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
}
_MTURK_TIME = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{2}:\d{2}:\d{2}) (\w{3,4}) (\d{4})$")


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Format an aware datetime as the canonical stored form."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The current time in the canonical stored form."""
    return to_iso(now())


def parse_time(text: str) -> datetime:
    """Parse ISO 8601 (naive means UTC) or MTurk's 'Sun Nov 14 08:15:05 PST 2021'.

    Raises ValueError with a readable message when the text is neither.
    """
    text = text.strip()
    match = _MTURK_TIME.match(text)
    if match:
        stamp, zone, year = match.groups()
        if zone not in _TZ_ABBREVIATIONS:
            raise ValueError(f"unknown time zone {zone!r} in {text!r}")
        naive = datetime.strptime(f"{stamp} {year}", "%b %d %H:%M:%S %Y")
        return naive.replace(tzinfo=timezone(timedelta(hours=_TZ_ABBREVIATIONS[zone])))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date and time: {text!r} (expected ISO 8601)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def normalize_time(text: str) -> str:
    """Parse any accepted time text and return the canonical stored form."""
    return to_iso(parse_time(text))
