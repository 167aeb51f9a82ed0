"""The upstream server's side of a camera's button: which cameras keep a long poll open, and the presses waiting
for them. A press is a row; the camera's long poll takes it, and the camera's report of its photo finishes it."""

import threading
import time
from dataclasses import dataclass

POLL_MOST = 25  # seconds a long poll may be held open
OFFLINE_AFTER = POLL_MOST + 10  # a camera whose last poll began longer ago than this is offline
JOIN_SECONDS = 30  # a press while another for the same camera is still open joins it
CHECK_EVERY = 0.1  # seconds between looks for a press: one indexed read each, so a press reaches the camera fast
SHUTTING_DOWN = threading.Event()  # set by the worker on SIGTERM: held long polls answer now, not in 25 s


@dataclass(frozen=True)
class RemoteCamera:
    name: str
    last_seen: float | None  # when its long poll last began or ended; None for a camera that only uploads
    last_upload: float | None = None

    def online(self, now=None):
        return self.last_seen is not None and (time.time() if now is None else now) - self.last_seen <= OFFLINE_AFTER


@dataclass(frozen=True)
class Press:
    seq: int
    camera: str
    requested_at: float
    sent_at: float | None
    finished_at: float | None
    photo_id: str | None
    error: str | None


PRESS_COLUMNS = "seq, camera, requested_at, sent_at, finished_at, photo_id, error"


class Remotes:
    def __init__(self, database):
        self.database = database

    def camera(self, name):
        row = self.database.connection().execute("SELECT name, last_seen, last_upload FROM cameras WHERE name = ?",
                                                 (name,)).fetchone()
        return RemoteCamera(*row) if row else None

    def cameras(self):
        """Every camera that ever polled, by name (one row per camera: a short table)."""
        rows = self.database.connection().execute(
            "SELECT name, last_seen, last_upload FROM cameras ORDER BY name").fetchall()
        return [RemoteCamera(*row) for row in rows]

    def seen(self, name, now=None):
        with self.database.transaction() as db:
            db.execute("INSERT INTO cameras (name, last_seen) VALUES (?, ?) ON CONFLICT (name)"
                       " DO UPDATE SET last_seen = excluded.last_seen", (name, time.time() if now is None else now))

    def offline_since(self, camera):
        """When a camera went quiet: its last poll, or its last upload for one that never polled."""
        return camera.last_seen or camera.last_upload

    def press(self, name, now=None):
        """A press for camera `name`: an open one requested moments ago is joined, else a new one is made."""
        now = time.time() if now is None else now
        with self.database.transaction() as db:
            row = db.execute("SELECT seq FROM presses WHERE camera = ? AND finished_at IS NULL AND requested_at > ?"
                             " ORDER BY seq DESC LIMIT 1", (name, now - JOIN_SECONDS)).fetchone()
            if row:
                return row[0]
            return db.execute("INSERT INTO presses (camera, requested_at) VALUES (?, ?)", (name, now)).lastrowid

    def next_press(self, name, wait, stopping=lambda: False):
        """The number of a press waiting for `name`, now taken by its long poll; None after `wait` seconds."""
        self.seen(name)
        deadline = time.monotonic() + min(wait, POLL_MOST)
        while True:
            if stopping():
                return None  # the camera hung up: it was not seen now
            press = self._take(name)
            if press is not None or time.monotonic() >= deadline or SHUTTING_DOWN.is_set():
                self.seen(name)
                return press
            time.sleep(CHECK_EVERY)

    def _take(self, name):
        db = self.database.connection()
        row = db.execute("SELECT seq FROM presses WHERE camera = ? AND finished_at IS NULL AND sent_at IS NULL"
                         " ORDER BY seq LIMIT 1", (name,)).fetchone()  # a read; the write only when there is one
        if row is None:
            return None
        with self.database.transaction() as db:
            taken = db.execute("UPDATE presses SET sent_at = ? WHERE seq = ? AND sent_at IS NULL",
                               (time.time(), row[0])).rowcount
        return row[0] if taken else None

    def finish(self, name, seq, photo_id, error):
        """The camera's report on press `seq`: the photo it gave, or why none. False if it is not that camera's."""
        with self.database.transaction() as db:
            return bool(db.execute("UPDATE presses SET finished_at = ?, photo_id = ?, error = ? WHERE seq = ?"
                                   " AND camera = ? AND finished_at IS NULL",
                                   (time.time(), photo_id, error, seq, name)).rowcount)

    def get(self, seq):
        row = self.database.connection().execute(f"SELECT {PRESS_COLUMNS} FROM presses WHERE seq = ?",
                                                 (seq,)).fetchone()
        return Press(*row) if row else None

    def outcome_within(self, seq, seconds, every=0.05):
        """The press once finished, waiting up to `seconds`; the unfinished press (or None) after that."""
        deadline = time.monotonic() + seconds
        while (press := self.get(seq)) is not None and press.finished_at is None and time.monotonic() < deadline:
            time.sleep(every)
        return press


def uploaded(db, name, now=None):
    """Inside an upload's transaction: the camera is listed (home page, filters) from its first upload on."""
    db.execute("INSERT INTO cameras (name, last_upload) VALUES (?, ?) ON CONFLICT (name)"
               " DO UPDATE SET last_upload = excluded.last_upload", (name, time.time() if now is None else now))
