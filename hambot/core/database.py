"""The one SQLite file behind the index, the temperature history, the tokens and the rate limits."""

import os
import sqlite3
import threading
from contextlib import contextmanager

# What a bucket of readings sums up, for all cameras (migration 2) and for each one (migration 10); a shipped
# migration never changes, so neither does this.
BUCKET_COLUMNS = """\
        width INTEGER NOT NULL,
        start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        total REAL NOT NULL,
        low REAL NOT NULL,
        high REAL NOT NULL,
"""

# How far a queued message has got, in both outboxes: alerts (migration 6) and pushes (migration 10).
DELIVERY_COLUMNS = """\
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL NOT NULL,
        claimed_by TEXT,
        claimed_at REAL,
        delivered_at REAL,
        error TEXT
"""

MIGRATIONS = (
    """
    CREATE TABLE photos (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        taken_at REAL NOT NULL,
        temperature_c REAL,
        temperature_note TEXT,
        source TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        content_type TEXT NOT NULL
    );
    CREATE TABLE captures (
        seq INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        source TEXT NOT NULL,
        photo_id TEXT,
        error TEXT
    );
    """,
    f"""
    CREATE TABLE readings (
        seq INTEGER PRIMARY KEY,
        taken_at REAL NOT NULL,
        celsius REAL NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX readings_by_time ON readings (taken_at);
    CREATE TABLE reading_buckets (
{BUCKET_COLUMNS}        PRIMARY KEY (width, start)
    ) WITHOUT ROWID;
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        issued_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        last_used_at REAL,
        revoked_at REAL
    );
    CREATE INDEX tokens_by_name ON tokens (name);
    CREATE TABLE auth_failures (
        address TEXT PRIMARY KEY,
        window_start REAL NOT NULL,
        failures INTEGER NOT NULL
    );
    INSERT INTO readings (taken_at, celsius, source)
        SELECT taken_at, temperature_c, 'photo' FROM photos WHERE temperature_c IS NOT NULL ORDER BY seq;
    INSERT INTO reading_buckets
        SELECT w.width, CAST(taken_at / w.width AS INTEGER) * w.width, count(*), sum(celsius),
               min(celsius), max(celsius)
        FROM readings, (SELECT 300 AS width UNION ALL SELECT 1800 UNION ALL SELECT 7200) AS w
        GROUP BY 1, 2;
    """,
    """
    ALTER TABLE photos ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX photos_unkept ON photos (seq) WHERE kept = 0;
    CREATE INDEX photos_kept ON photos (seq, size) WHERE kept = 1;
    ALTER TABLE captures ADD COLUMN status INTEGER;
    CREATE INDEX captures_ok ON captures (seq) WHERE photo_id IS NOT NULL;
    CREATE TABLE photo_totals (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        count INTEGER NOT NULL,
        bytes INTEGER NOT NULL
    );
    INSERT INTO photo_totals SELECT 1, count(*), coalesce(sum(size), 0) FROM photos;
    CREATE TRIGGER photo_added AFTER INSERT ON photos BEGIN
        UPDATE photo_totals SET count = count + 1, bytes = bytes + NEW.size;
    END;
    CREATE TRIGGER photo_removed AFTER DELETE ON photos BEGIN
        UPDATE photo_totals SET count = count - 1, bytes = bytes - OLD.size;
    END;
    CREATE TABLE site (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE photos ADD COLUMN camera_tool TEXT;
    ALTER TABLE captures ADD COLUMN camera_tool TEXT;
    ALTER TABLE captures ADD COLUMN note TEXT;
    """,
    """
    CREATE TABLE capture_budget (
        seq INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL
    );
    CREATE INDEX capture_budget_by_kind ON capture_budget (kind, at);
    CREATE INDEX capture_budget_by_key ON capture_budget (key, at);
    """,
    f"""
    CREATE TABLE alert_state (
        kind TEXT PRIMARY KEY,
        pending_since REAL,
        alert_seq INTEGER,
        last_sent REAL,
        count INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE alerts (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        value REAL,
        worst REAL,
        sentence TEXT NOT NULL
    );
    CREATE INDEX alerts_ongoing ON alerts (seq) WHERE ended_at IS NULL;
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        alert_seq INTEGER,
        target INTEGER NOT NULL,
        event TEXT NOT NULL,
        created_at REAL NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        photo_id TEXT,
{DELIVERY_COLUMNS}    );
    CREATE INDEX outbox_undelivered ON outbox (next_try_at, seq) WHERE delivered_at IS NULL;
    CREATE INDEX outbox_by_alert ON outbox (alert_seq);
    """,
    """
    ALTER TABLE photo_totals ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    DROP TRIGGER photo_added;
    DROP TRIGGER photo_removed;
    CREATE TRIGGER photo_added AFTER INSERT ON photos BEGIN
        UPDATE photo_totals SET count = count + 1, bytes = bytes + NEW.size, generation = generation + 1;
    END;
    CREATE TRIGGER photo_removed AFTER DELETE ON photos BEGIN
        UPDATE photo_totals SET count = count - 1, bytes = bytes - OLD.size, generation = generation + 1;
    END;
    CREATE TRIGGER photo_changed AFTER UPDATE ON photos BEGIN
        UPDATE photo_totals SET generation = generation + 1;
    END;
    """,
    """
    CREATE INDEX photos_by_time ON photos (taken_at);
    """,
    """
    ALTER TABLE photos ADD COLUMN day TEXT;
    CREATE INDEX photos_by_day ON photos (day, seq);
    CREATE TABLE days (
        day TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        low REAL,
        high REAL,
        photo INTEGER
    ) WITHOUT ROWID;
    CREATE TRIGGER photo_day_added AFTER INSERT ON photos WHEN NEW.day IS NOT NULL BEGIN
        INSERT INTO days (day, count, low, high) VALUES (NEW.day, 1, NEW.temperature_c, NEW.temperature_c)
            ON CONFLICT (day) DO UPDATE SET count = count + 1,
                low = min(coalesce(low, excluded.low), coalesce(excluded.low, low)),
                high = max(coalesce(high, excluded.high), coalesce(excluded.high, high));
        UPDATE days SET photo = (SELECT seq FROM photos WHERE day = NEW.day ORDER BY seq
                                 LIMIT 1 OFFSET (SELECT (count - 1) / 2 FROM days WHERE day = NEW.day))
            WHERE day = NEW.day;
    END;
    CREATE TRIGGER photo_day_removed AFTER DELETE ON photos WHEN OLD.day IS NOT NULL BEGIN
        UPDATE days SET count = count - 1,
            low = CASE WHEN OLD.temperature_c <= low
                       THEN (SELECT min(temperature_c) FROM photos WHERE day = OLD.day) ELSE low END,
            high = CASE WHEN OLD.temperature_c >= high
                        THEN (SELECT max(temperature_c) FROM photos WHERE day = OLD.day) ELSE high END
            WHERE day = OLD.day;
        DELETE FROM days WHERE day = OLD.day AND count <= 0;
        UPDATE days SET photo = (SELECT seq FROM photos WHERE day = OLD.day ORDER BY seq
                                 LIMIT 1 OFFSET (SELECT (count - 1) / 2 FROM days WHERE day = OLD.day))
            WHERE day = OLD.day;
    END;
    """,
    f"""
    ALTER TABLE tokens ADD COLUMN scopes TEXT;
    ALTER TABLE tokens ADD COLUMN camera TEXT;
    ALTER TABLE photos ADD COLUMN camera TEXT;
    CREATE INDEX photos_by_camera ON photos (camera, seq);
    ALTER TABLE readings ADD COLUMN camera TEXT;
    CREATE INDEX readings_by_camera ON readings (camera, taken_at);
    CREATE TABLE camera_buckets (
        camera TEXT NOT NULL,
{BUCKET_COLUMNS}        PRIMARY KEY (camera, width, start)
    ) WITHOUT ROWID;
    CREATE TABLE uploads (
        token_name TEXT NOT NULL,
        key TEXT NOT NULL,
        digest TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        photo_id TEXT,
        created_at REAL NOT NULL,
        PRIMARY KEY (token_name, key)
    ) WITHOUT ROWID;
    CREATE INDEX uploads_by_time ON uploads (created_at);
    CREATE TABLE push_outbox (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        photo_id TEXT,
        taken_at REAL NOT NULL,
        celsius REAL,
        source TEXT NOT NULL,
        press INTEGER,
        error_sentence TEXT,
        created_at REAL NOT NULL,
{DELIVERY_COLUMNS}    );
    CREATE INDEX push_outbox_undelivered ON push_outbox (seq) WHERE delivered_at IS NULL;
    CREATE TABLE cameras (
        name TEXT PRIMARY KEY,
        last_seen REAL,
        last_upload REAL
    ) WITHOUT ROWID;
    CREATE TABLE presses (
        seq INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        requested_at REAL NOT NULL,
        sent_at REAL,
        finished_at REAL,
        photo_id TEXT,
        error TEXT
    );
    CREATE INDEX presses_open ON presses (camera, seq) WHERE finished_at IS NULL;
    """,
)


def _statements(script):
    """The script's statements one by one; a trigger's body keeps its inner semicolons."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


# Each thread of each worker has its own connection, and each connection its own page cache: SQLite's default
# of 2 MB each grows, as the index does, to tens of MB in all on a Pi. The queries are index seeks of a few pages,
# and what they read again stays in the kernel's page cache, which every process shares.
CACHE_KIB = 256


class _Forks:
    """Counts the forks that led to this process, so a connection opened before a fork is never reused after it.

    Cheaper than os.getpid() on every query: that is a system call, and a photo request makes several queries.
    """
    count = 0

    @classmethod
    def forked(cls):
        cls.count += 1


os.register_at_fork(after_in_child=_Forks.forked)


class Database:
    """One connection per thread and process, so forked gunicorn workers never share one."""

    def __init__(self, path):
        self.path = path
        self._local = threading.local()

    def migrate(self, then=None):
        """Bring the schema up to date, then run `then(db)` in the same transaction; safe from every process at once."""
        self.connection().execute("PRAGMA journal_mode=WAL")
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")
            if then:
                then(db)

    def connection(self):
        local = self._local
        if getattr(local, "fork", None) != _Forks.count:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            local.db, local.fork = db, _Forks.count
        return local.db

    @contextmanager
    def transaction(self):
        """All of the block's writes, or none of them (the connection is in autocommit mode otherwise)."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def close(self):
        """Drop this thread's connection, so a process about to fork hands none to its children."""
        db = getattr(self._local, "db", None)
        if db is not None and self._local.fork == _Forks.count:
            db.close()
        self._local.__dict__.clear()
