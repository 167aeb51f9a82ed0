"""The temperature history: every reading, and running min/max/mean per time bucket for the charts."""

import math
import time
from dataclasses import dataclass

from . import push_queue

BUCKET_WIDTHS = (300, 1800, 7200)  # seconds; keep in step with the migration that backfills them


@dataclass(frozen=True)
class Point:
    taken_at: float
    celsius: float
    source: str


@dataclass(frozen=True)
class Bucket:
    """The readings in [start, start + width): enough to draw a line and its min-max band."""

    start: int
    width: int
    count: int
    mean: float
    low: float
    high: float

    @property
    def middle(self):
        return self.start + self.width / 2


def record(db, taken_at, celsius, source, camera=None):
    """Add one reading inside the caller's transaction; each bucket update is one indexed upsert.

    An uploaded camera's readings get buckets of their own, so this hambot's chart shows only its own probe."""
    db.execute("INSERT INTO readings (taken_at, celsius, source, camera) VALUES (?,?,?,?)",
               (taken_at, celsius, source, camera))
    for width in BUCKET_WIDTHS:
        start = int(taken_at // width) * width
        if camera is None:
            db.execute(
                "INSERT INTO reading_buckets (width, start, count, total, low, high) VALUES (?,?,1,?,?,?)"
                " ON CONFLICT (width, start) DO UPDATE SET count = count + 1, total = total + excluded.total,"
                " low = min(low, excluded.low), high = max(high, excluded.high)",
                (width, start, celsius, celsius, celsius))
        else:
            db.execute(
                "INSERT INTO camera_buckets (camera, width, start, count, total, low, high) VALUES (?,?,?,1,?,?,?)"
                " ON CONFLICT (camera, width, start) DO UPDATE SET count = count + 1,"
                " total = total + excluded.total, low = min(low, excluded.low), high = max(high, excluded.high)",
                (camera, width, start, celsius, celsius, celsius))


class History:
    def __init__(self, database, alerts=None, pushing=False, camera=None):
        self.database = database
        self.camera = camera  # None: this hambot's own probe; a name: the readings uploaded from that camera
        self.alerts = alerts  # core/alerts.py's Alerts, evaluated in the transaction that stores each reading
        self.pushing = pushing  # with UPSTREAM_URL: each reading also goes into the push outbox

    def record(self, celsius, source, taken_at=None):
        taken_at = time.time() if taken_at is None else taken_at
        with self.database.transaction() as db:
            record(db, taken_at, celsius, source)
            if self.alerts:
                self.alerts.reading(db, taken_at, celsius)
            if self.pushing:
                push_queue.queue_reading(db, taken_at, celsius, source)

    def of_camera(self, name):
        """The history of a camera that uploads here, read the same way (its own buckets, its own readings)."""
        return History(self.database, camera=name)

    def latest(self):
        row = self.database.connection().execute(
            "SELECT taken_at, celsius, source FROM readings WHERE camera IS ? ORDER BY taken_at DESC LIMIT 1",
            (self.camera,)).fetchone()
        return Point(*row) if row else None

    def buckets(self, width, since, until):
        """The non-empty buckets of `width` seconds between since and until, oldest first."""
        table, only = ("camera_buckets", "camera = ? AND ") if self.camera else ("reading_buckets", "")
        rows = self.database.connection().execute(
            f"SELECT start, count, total, low, high FROM {table}"
            f" WHERE {only}width = ? AND start >= ? AND start < ? ORDER BY start",
            (*((self.camera,) if self.camera else ()), width, int(since // width) * width, until)).fetchall()
        return [Bucket(start, width, count, total / count, low, high) for start, count, total, low, high in rows]

    def points(self, since, until, limit):
        """Readings in [since, until] in order; when there are more than `limit`, one per even time slot."""
        db = self.database.connection()
        rows = db.execute("SELECT taken_at, celsius, source FROM readings WHERE camera IS ? AND taken_at >= ?"
                          " AND taken_at <= ? ORDER BY taken_at LIMIT ?", (self.camera, since, until, limit + 1)
                          ).fetchall()
        if len(rows) <= limit:
            return [Point(*row) for row in rows], False
        last = db.execute("SELECT taken_at FROM readings WHERE camera IS ? AND taken_at <= ?"
                          " ORDER BY taken_at DESC LIMIT 1", (self.camera, until)).fetchone()[0]
        since, until = rows[0][0], last  # slots span the readings, not the empty time around them
        step = (until - since) / limit
        sampled = []
        for slot in range(limit):
            start = since + slot * step
            last_slot = slot == limit - 1  # ends on the newest reading rather than starting the slot
            end = math.nextafter(until, math.inf) if last_slot else start + step
            row = db.execute("SELECT taken_at, celsius, source FROM readings WHERE camera IS ? AND taken_at >= ?"
                             f" AND taken_at < ? ORDER BY taken_at {'DESC' if last_slot else ''} LIMIT 1",
                             (self.camera, start, end)).fetchone()
            if row:
                sampled.append(Point(*row))
        return sampled, True
