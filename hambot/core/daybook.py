"""Days with photos: each day's count, low, high and middle photo (kept by triggers), and a day's photos."""

import datetime
from dataclasses import dataclass

from .days import DAY, parse_day
from .store import PHOTO_COLUMNS, Photo, _photo, is_valid_id

JOINED_COLUMNS = ", ".join(f"p.{name.strip()}" for name in PHOTO_COLUMNS.split(","))
SUMMARY = f"SELECT d.day, d.count, d.low, d.high, {JOINED_COLUMNS} FROM days d LEFT JOIN photos p ON p.seq = d.photo"


@dataclass(frozen=True)
class DaySummary:
    day: datetime.date
    count: int
    low: float | None  # °C, the day's photos' lowest; None when none had a reading
    high: float | None
    photo: Photo | None  # the middle photo of the day, in time order


FIRST_DAY, LAST_DAY = datetime.date(1970, 1, 1), datetime.date(9999, 12, 30)  # 9999-12-31 has no end


def day_cursor(text):
    """A page's cursor: any YYYY-MM-DD, compared as text (a cursor need not be a real date, or have photos)."""
    return text if isinstance(text, str) and DAY.fullmatch(text) else None


def shown_day(text):
    """The date an address names, or None for anything that is not a date from 1970 on (no files read)."""
    day = parse_day(text)
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


class DayBook:
    def __init__(self, store):
        self.store = store

    def _db(self):
        return self.store.database.connection()

    def page(self, *, before=None, after=None, limit=30):
        """Days with photos, newest first, before or after a day_cursor (YYYY-MM-DD text, compared as text).

        Returns (days, has_older, has_newer); one walk along the days table's key.
        """
        if after is not None:
            rows = self._db().execute(f"{SUMMARY} WHERE d.day > ? ORDER BY d.day LIMIT ?",
                                      (after, limit + 1)).fetchall()
            return [_summary(r) for r in reversed(rows[:limit])], True, len(rows) > limit
        where, values = ("WHERE d.day < ?", (before,)) if before else ("", ())
        rows = self._db().execute(f"{SUMMARY} {where} ORDER BY d.day DESC LIMIT ?", (*values, limit + 1)).fetchall()
        return [_summary(r) for r in rows[:limit]], len(rows) > limit, before is not None

    def get(self, day):
        row = self._db().execute(f"{SUMMARY} WHERE d.day = ?", (day.isoformat(),)).fetchone()
        return _summary(row) if row else None

    def neighbours(self, day):
        """The nearest earlier and later days that have photos, either None at the ends."""
        db, key = self._db(), day.isoformat()
        older = db.execute("SELECT day FROM days WHERE day < ? ORDER BY day DESC LIMIT 1", (key,)).fetchone()
        newer = db.execute("SELECT day FROM days WHERE day > ? ORDER BY day LIMIT 1", (key,)).fetchone()
        return (parse_day(older[0]) if older else None), (parse_day(newer[0]) if newer else None)

    def photos(self, day, *, after=None, limit=-1):
        """The day's photos in time order, after the photo with id `after`; None if `after` is not a photo."""
        seq = 0
        if after is not None:
            row = is_valid_id(after) and self._db().execute("SELECT seq FROM photos WHERE id = ?",
                                                            (after,)).fetchone()
            if not row:
                return None
            seq = row[0]
        rows = self._db().execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE day = ? AND seq > ? ORDER BY seq"
                                  " LIMIT ?", (day.isoformat(), seq, limit))
        return [_photo(row) for row in rows]


def _summary(row):
    photo = _photo(row[4:]) if row[4] is not None else None
    return DaySummary(parse_day(row[0]), row[1], row[2], row[3], photo)
