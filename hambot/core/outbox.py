"""The outbox: alerts written in the transaction that raised them, delivered later, each once.

A row is claimed (committed), sent, then marked delivered (committed). A crash before the send leaves a claim
that is released and retried; a crash after the send but before the mark sends it once more: at most one extra
copy, and only when the process dies mid-send. A delivered row is never sent again.
"""

import os
import time
from dataclasses import dataclass

BACKOFF_FIRST = 10  # seconds before the first retry; doubled each time
BACKOFF_MOST = 1800  # never wait longer than this between tries, so an outage's alerts arrive soon after it ends
LEASE = 300  # seconds after which a claim by a process that still runs is taken as lost anyway
COLUMNS = "seq, alert_seq, target, event, created_at, title, body, photo_id, attempts, delivered_at, error"


@dataclass(frozen=True)
class Message:
    seq: int
    alert_seq: int | None
    target: int
    event: str
    created_at: float
    title: str
    body: str
    photo_id: str | None
    attempts: int
    delivered_at: float | None
    error: str | None


def owner_id():
    """This process, as a claim names it: its pid and its start time, so a reused pid is not mistaken for it."""
    return f"{os.getpid()}:{_start_time(os.getpid())}"


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


def _alive(owner):
    pid, _, started = owner.partition(":")
    return pid.isdigit() and _start_time(int(pid)) == started


def enqueue(db, *, targets, event, title, body, photo_id=None, alert_seq=None, now=None):
    """One row per target inside the caller's transaction, so each service is retried on its own."""
    now = time.time() if now is None else now
    for target in range(targets):
        db.execute("INSERT INTO outbox (alert_seq, target, event, created_at, title, body, photo_id, next_try_at)"
                   " VALUES (?,?,?,?,?,?,?,?)", (alert_seq, target, event, now, title, body, photo_id, now))


def backoff(attempts):
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MOST)


def release_lost_claims(database, now=None):
    """Free the claims of processes that are gone (killed mid-queue) or that held them past the lease."""
    now = time.time() if now is None else now
    db = database.connection()
    owners = [row[0] for row in db.execute(
        "SELECT DISTINCT claimed_by FROM outbox WHERE delivered_at IS NULL AND claimed_by IS NOT NULL")]
    lost = [owner for owner in owners if not _alive(owner)]
    stale = db.execute("SELECT 1 FROM outbox WHERE delivered_at IS NULL AND claimed_at < ? AND claimed_by IS NOT NULL"
                       " LIMIT 1", (now - LEASE,)).fetchone()
    if not lost and not stale:
        return 0  # the usual case: no write, no lock
    with database.transaction() as db:
        for owner in lost:
            db.execute("UPDATE outbox SET claimed_by = NULL WHERE claimed_by = ? AND delivered_at IS NULL", (owner,))
        db.execute("UPDATE outbox SET claimed_by = NULL WHERE delivered_at IS NULL AND claimed_at < ?",
                   (now - LEASE,))
    return len(lost)


def claim(database, owner, now=None):
    """The oldest due message no one holds, now held by `owner`; None if there is none."""
    now = time.time() if now is None else now
    with database.transaction() as db:
        row = db.execute(f"SELECT {COLUMNS} FROM outbox WHERE delivered_at IS NULL AND next_try_at <= ?"
                         " AND claimed_by IS NULL ORDER BY next_try_at, seq LIMIT 1", (now,)).fetchone()
        if row is None:
            return None
        db.execute("UPDATE outbox SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1 WHERE seq = ?",
                   (owner, now, row[0]))
    return Message(*row)


def mark_delivered(database, seq, now=None):
    with database.transaction() as db:
        db.execute("UPDATE outbox SET delivered_at = ?, claimed_by = NULL, error = NULL WHERE seq = ?",
                   (time.time() if now is None else now, seq))


def mark_failed(database, seq, error, now=None):
    """Release the claim and try again after a back-off that grows with each attempt."""
    now = time.time() if now is None else now
    with database.transaction() as db:
        attempts = db.execute("SELECT attempts FROM outbox WHERE seq = ?", (seq,)).fetchone()[0]
        db.execute("UPDATE outbox SET claimed_by = NULL, error = ?, next_try_at = ? WHERE seq = ?",
                   (error, now + backoff(attempts), seq))


def next_due(database):
    """When the next undelivered message is due, or None; one seek on the partial index."""
    row = database.connection().execute(
        "SELECT min(next_try_at) FROM outbox WHERE delivered_at IS NULL AND claimed_by IS NULL").fetchone()
    return row[0]


def undelivered(database):
    """(how many messages wait, when the oldest was written) for /healthz."""
    return database.connection().execute(
        "SELECT count(*), min(created_at) FROM outbox WHERE delivered_at IS NULL").fetchone()


def messages_of(database, alert_seqs):
    """The outbox rows of some alerts, for the alert list."""
    if not alert_seqs:
        return []
    marks = ",".join("?" * len(alert_seqs))
    rows = database.connection().execute(
        f"SELECT {COLUMNS} FROM outbox WHERE alert_seq IN ({marks}) ORDER BY seq", tuple(alert_seqs)).fetchall()
    return [Message(*row) for row in rows]
