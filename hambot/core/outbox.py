"""Outboxes: rows written in the transaction that made them, delivered later, each once.

A row is claimed (committed), sent, then marked delivered (committed). A crash before the send leaves a claim
that is released and retried; a crash after the send but before the mark sends it once more: at most one extra
copy, and only when the process dies mid-send (the push outbox's receiver drops that copy by its
Idempotency-Key). A delivered row is never sent again. Two outboxes share this: the alerts' (`ALERTS`, each
row on its own) and the upstream pushes' (core/push_queue.py, strictly in order).
"""

import os
import time
from dataclasses import dataclass

BACKOFF_FIRST = 10  # seconds before the first retry; doubled each time
BACKOFF_MOST = 1800  # never wait longer than this between tries, so an outage's alerts arrive soon after it ends
LEASE = 300  # seconds after which a claim by a process that still runs is taken as lost anyway
COLUMNS = "seq, alert_seq, target, event, created_at, title, body, photo_id, attempts, delivered_at, error"


@dataclass(frozen=True)
class Queue:
    """One outbox table: its columns as its row type takes them, and whether rows go strictly in order (the
    oldest undelivered row blocks the rest while it waits for its retry) or each on its own."""
    table: str
    columns: str
    row: type
    in_order: bool = False
    backoff_first: float = BACKOFF_FIRST
    backoff_most: float = BACKOFF_MOST


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


ALERTS = Queue("outbox", COLUMNS, Message)


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


def backoff(attempts, queue=ALERTS):
    return min(queue.backoff_first * 2 ** max(attempts - 1, 0), queue.backoff_most)


def release_lost_claims(database, now=None, queue=ALERTS):
    """Free the claims of processes that are gone (killed mid-queue) or that held them past the lease."""
    now = time.time() if now is None else now
    db, table = database.connection(), queue.table
    owners = [row[0] for row in db.execute(
        f"SELECT DISTINCT claimed_by FROM {table} WHERE delivered_at IS NULL AND claimed_by IS NOT NULL")]
    lost = [owner for owner in owners if not _alive(owner)]
    stale = db.execute(f"SELECT 1 FROM {table} WHERE delivered_at IS NULL AND claimed_at < ?"
                       " AND claimed_by IS NOT NULL LIMIT 1", (now - LEASE,)).fetchone()
    if not lost and not stale:
        return 0  # the usual case: no write, no lock
    with database.transaction() as db:
        for owner in lost:
            db.execute(f"UPDATE {table} SET claimed_by = NULL WHERE claimed_by = ? AND delivered_at IS NULL",
                       (owner,))
        db.execute(f"UPDATE {table} SET claimed_by = NULL WHERE delivered_at IS NULL AND claimed_at < ?",
                   (now - LEASE,))
    return len(lost)


def claim(database, owner, now=None, queue=ALERTS):
    """The oldest due row no one holds, now held by `owner`; None if there is none. In order, only the oldest
    undelivered row is a candidate."""
    now = time.time() if now is None else now
    with database.transaction() as db:
        if queue.in_order:
            row = db.execute(f"SELECT {queue.columns}, next_try_at, claimed_by FROM {queue.table}"
                             " WHERE delivered_at IS NULL ORDER BY seq LIMIT 1").fetchone()
            row = row[:-2] if row is not None and row[-2] <= now and row[-1] is None else None
        else:
            row = db.execute(f"SELECT {queue.columns} FROM {queue.table} WHERE delivered_at IS NULL"
                             " AND next_try_at <= ? AND claimed_by IS NULL ORDER BY next_try_at, seq LIMIT 1",
                             (now,)).fetchone()
        if row is None:
            return None
        db.execute(f"UPDATE {queue.table} SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1"
                   " WHERE seq = ?", (owner, now, row[0]))
    return queue.row(*row)


def mark_delivered(database, seq, now=None, queue=ALERTS):
    with database.transaction() as db:
        db.execute(f"UPDATE {queue.table} SET delivered_at = ?, claimed_by = NULL, error = NULL WHERE seq = ?",
                   (time.time() if now is None else now, seq))


def mark_failed(database, seq, error, now=None, queue=ALERTS):
    """Release the claim and try again after a back-off that grows with each attempt."""
    now = time.time() if now is None else now
    with database.transaction() as db:
        attempts = db.execute(f"SELECT attempts FROM {queue.table} WHERE seq = ?", (seq,)).fetchone()[0]
        db.execute(f"UPDATE {queue.table} SET claimed_by = NULL, error = ?, next_try_at = ? WHERE seq = ?",
                   (error, now + backoff(attempts, queue), seq))


def next_due(database, queue=ALERTS):
    """When the next undelivered row is due, or None; one seek on the partial index."""
    if queue.in_order:
        row = database.connection().execute(
            f"SELECT next_try_at, claimed_by FROM {queue.table} WHERE delivered_at IS NULL"
            " ORDER BY seq LIMIT 1").fetchone()
        return row[0] if row is not None and row[1] is None else None
    row = database.connection().execute(
        f"SELECT min(next_try_at) FROM {queue.table} WHERE delivered_at IS NULL AND claimed_by IS NULL").fetchone()
    return row[0]


def undelivered(database, queue=ALERTS):
    """(how many rows wait, when the oldest was written) for /healthz."""
    return database.connection().execute(
        f"SELECT count(*), min(created_at) FROM {queue.table} WHERE delivered_at IS NULL").fetchone()


def messages_of(database, alert_seqs):
    """The outbox rows of some alerts, for the alert list."""
    if not alert_seqs:
        return []
    marks = ",".join("?" * len(alert_seqs))
    rows = database.connection().execute(
        f"SELECT {COLUMNS} FROM outbox WHERE alert_seq IN ({marks}) ORDER BY seq", tuple(alert_seqs)).fetchall()
    return [Message(*row) for row in rows]
