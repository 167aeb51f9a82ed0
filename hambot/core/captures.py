"""The capture log: one row per camera run, the photo it stored or the sentence that says why it failed.

The shutter coalesces presses through it, /healthz and the budget read the camera's recent record from it,
and the button's progress bar fills over its median run.
"""

import statistics
import time
from dataclasses import dataclass

COLUMNS = "seq, started_at, finished_at, source, photo_id, error, status, camera_tool, note"


@dataclass(frozen=True)
class Capture:
    """One camera run: the photo it stored, or the sentence that says why it failed."""

    seq: int
    started_at: float
    finished_at: float
    source: str
    photo_id: str | None
    error: str | None
    status: int | None = None  # for a failure: 503 the camera failed, 507 no room to store a photo
    camera_tool: str | None = None
    note: str | None = None  # a photo stored but not as asked (its size), in a sentence


def insert_capture(db, started_at, finished_at, source, photo_id, error, status=None, *, camera_tool=None,
                   note=None):
    """Within the caller's transaction, so a stored photo and its capture row are committed together."""
    db.execute("INSERT INTO captures (started_at, finished_at, source, photo_id, error, status, camera_tool, note)"
               " VALUES (?,?,?,?,?,?,?,?)",
               (started_at, finished_at, source, photo_id, error, status, camera_tool, note))


class CaptureLog:
    """Every query is an index seek or a short walk from the newest row, never a scan of the history."""

    def __init__(self, database):
        self.database = database
        self.alerts = None  # core/alerts.py's Alerts, evaluated in the transaction that records a failure

    def _one(self, sql, *parameters):
        row = self.database.connection().execute(sql, parameters).fetchone()
        return Capture(*row) if row else None

    def record_failure(self, *, started_at, source, error, status=503, camera_tool=None):
        with self.database.transaction() as db:
            insert_capture(db, started_at, time.time(), source, None, error, status, camera_tool=camera_tool)
            if self.alerts:
                self.alerts.capture_failed(db, time.time(), status, error)

    def last_seq(self):
        row = self.database.connection().execute("SELECT max(seq) FROM captures").fetchone()
        return row[0] or 0

    def latest(self):
        return self._one(f"SELECT {COLUMNS} FROM captures ORDER BY seq DESC LIMIT 1")

    def last_success(self):
        """The newest capture that stored a photo (an index seek, however many failures came after it)."""
        return self._one(f"SELECT {COLUMNS} FROM captures WHERE photo_id IS NOT NULL ORDER BY seq DESC LIMIT 1")

    def usual_seconds(self, recent=9):
        """The median length of the last few successful captures, which the button's progress bar fills over."""
        rows = self.database.connection().execute(
            "SELECT finished_at - started_at FROM captures WHERE photo_id IS NOT NULL ORDER BY seq DESC LIMIT ?",
            (recent,)).fetchall()
        return statistics.median(max(0.0, row[0]) for row in rows) if rows else None

    def failures_since(self, capture):
        """How many camera runs failed after `capture`, the last success (None: ever)."""
        row = self.database.connection().execute(
            "SELECT count(*) FROM captures WHERE seq > ? AND coalesce(status, 503) = 503",
            (capture.seq if capture else 0,)).fetchone()
        return row[0]

    def after(self, seq):
        """The first camera run that finished after capture number seq, if any."""
        return self._one(f"SELECT {COLUMNS} FROM captures WHERE seq > ? ORDER BY seq LIMIT 1", seq)
