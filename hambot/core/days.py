"""Local days in the owner's zone: which day a photo belongs to, and where a day starts and ends."""

import datetime
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def machine_zone():
    """The machine's own zone, with its daylight-saving rules (a fixed offset would get half the year wrong)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
        if "/zoneinfo/" in target:
            return ZoneInfo(target.split("/zoneinfo/", 1)[1])
        return ZoneInfo.from_file(localtime.open("rb"), key="localtime")
    except (OSError, ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_day(text):
    """A date from YYYY-MM-DD, or None if the text is not a real date."""
    match = DAY.fullmatch(text or "")
    if not match:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def day_of(timestamp, zone):
    return datetime.datetime.fromtimestamp(timestamp, zone).date()


def bounds(day, zone):
    """The day's first and one-past-last second as timestamps: 23 or 25 hours apart on a clock change."""
    start = datetime.datetime.combine(day, datetime.time(), zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    return start.timestamp(), end.timestamp()
