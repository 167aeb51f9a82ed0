"""The push outbox: each own photo, reading and remote press's outcome, written in the transaction that stored it,
for the pusher (core/upstream.py) to send to UPSTREAM_URL strictly in order."""

import time
from dataclasses import dataclass

from . import outbox

COLUMNS = "seq, kind, photo_id, taken_at, celsius, source, press, error_sentence, attempts, error"


@dataclass(frozen=True)
class Push:
    seq: int
    kind: str  # "photo", "reading" or "press" (the outcome of a press made on the upstream server)
    photo_id: str | None
    taken_at: float
    celsius: float | None
    source: str
    press: int | None
    error_sentence: str | None  # a press whose capture failed: the sentence the visitor upstream reads
    attempts: int
    error: str | None  # why the last try failed


# Retries start at 1 s and stop doubling at 60 s: an upstream back from a restart gets the queue within a minute.
PUSHES = outbox.Queue("push_outbox", COLUMNS, Push, in_order=True, backoff_first=1, backoff_most=60)


def _enqueue(db, kind, taken_at, source, photo_id=None, celsius=None, press=None, error_sentence=None):
    now = time.time()
    db.execute("INSERT INTO push_outbox (kind, photo_id, taken_at, celsius, source, press, error_sentence,"
               " created_at, next_try_at) VALUES (?,?,?,?,?,?,?,?,?)",
               (kind, photo_id, taken_at, celsius, source, press, error_sentence, now, now))


def queue_photo(db, photo):
    """Inside the transaction that stores the photo: it cannot be stored without being queued."""
    _enqueue(db, "photo", photo.taken_at, photo.source, photo.id, photo.temperature_c)


def queue_reading(db, taken_at, celsius, source):
    _enqueue(db, "reading", taken_at, source, celsius=celsius)


def queue_press_outcome(database, press, photo_id=None, error_sentence=None):
    """After a press made upstream: which photo it gave (already queued before this row), or why none."""
    with database.transaction() as db:
        _enqueue(db, "press", time.time(), "remote", photo_id, press=press, error_sentence=error_sentence)


def forget_delivered(database, older_than=86400, now=None):
    """Delivered rows are kept a day for `hambot upstream status`, then dropped (one indexed range)."""
    now = time.time() if now is None else now
    with database.transaction() as db:
        db.execute("DELETE FROM push_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?",
                   (now - older_than,))


@dataclass(frozen=True)
class Status:
    queued: int
    oldest_at: float | None
    last_error: str | None
    last_delivered_at: float | None


def status(database):
    """What is queued, since when, and the last error: for `hambot upstream status` and /healthz."""
    db = database.connection()
    queued, oldest = outbox.undelivered(database, PUSHES)
    error = db.execute("SELECT error FROM push_outbox WHERE delivered_at IS NULL AND error IS NOT NULL"
                       " ORDER BY seq LIMIT 1").fetchone()
    delivered = db.execute("SELECT max(delivered_at) FROM push_outbox WHERE delivered_at IS NOT NULL").fetchone()
    return Status(queued, oldest, error[0] if error else None, delivered[0])
