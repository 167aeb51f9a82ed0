"""The photo store: image files under DATA_DIR/photos, indexed in one SQLite file."""

import dataclasses
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ID_BYTES = 9  # 72 random bits, 12 URL-safe characters
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{12}")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}

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
)


def new_id():
    return secrets.token_urlsafe(ID_BYTES)


def is_valid_id(text):
    return isinstance(text, str) and ID_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True)
class Photo:
    id: str
    taken_at: float
    temperature_c: float | None
    temperature_note: str | None
    source: str
    size: int
    width: int
    height: int
    content_type: str

    @property
    def extension(self):
        return EXTENSIONS[self.content_type]

    @property
    def filename(self):
        return f"{self.id}.{self.extension}"


@dataclass(frozen=True)
class Capture:
    """One camera run: the photo it stored, or the sentence that says why it failed."""

    seq: int
    started_at: float
    finished_at: float
    source: str
    photo_id: str | None
    error: str | None


PHOTO_COLUMNS = "id, taken_at, temperature_c, temperature_note, source, size, width, height, content_type"
CAPTURE_COLUMNS = "seq, started_at, finished_at, source, photo_id, error"


class Store:
    """Files first, index row second: the index never lists a photo whose file is missing."""

    def __init__(self, data_dir):
        self.data_dir = Path(data_dir)
        self.photos_dir = self.data_dir / "photos"
        self.temp_dir = self.data_dir / "tmp"
        self.db_path = self.data_dir / "hambot.sqlite3"
        self._local = threading.local()

    def open(self):
        """Create the folders and bring the index up to date; safe to call from every process."""
        for folder in (self.data_dir, self.photos_dir, self.temp_dir):
            folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        db = self._db()
        db.execute("PRAGMA journal_mode=WAL")
        with db:
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def _db(self):
        """One connection per thread and process, so forked workers never share one."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.db_path, timeout=10, isolation_level=None)
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            local.db, local.pid = db, os.getpid()
        return local.db

    def close(self):
        """Drop this thread's connection, so a process about to fork hands none to its children."""
        db = getattr(self._local, "db", None)
        if db is not None and self._local.pid == os.getpid():
            db.close()
        self._local.__dict__.clear()

    def temp_path(self, suffix):
        return self.temp_dir / f"capture-{secrets.token_hex(8)}{suffix}"

    def clear_temp(self):
        """Remove what an interrupted capture left; call only while holding the camera lock."""
        removed = 0
        for leftover in self.temp_dir.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def path_of(self, photo):
        return self.photos_dir / photo.filename

    def add(self, image, *, reading, source, started_at):
        """Move a checked image into the store under a new id and index it with its capture."""
        _fsync_file(image.path)
        while True:
            photo = Photo(new_id(), time.time(), reading.celsius, reading.problem, source,
                          image.size, image.width, image.height, image.content_type)
            try:
                os.link(image.path, self.path_of(photo))  # exclusive: never overwrites
                break
            except FileExistsError:
                continue
        image.path.unlink()
        _fsync_dir(self.photos_dir)
        try:
            with self._db() as db:
                db.execute(f"INSERT INTO photos ({PHOTO_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                           dataclasses.astuple(photo))
                self._insert_capture(db, started_at, photo.taken_at, source, photo.id, None)
        except BaseException:
            self.path_of(photo).unlink(missing_ok=True)
            raise
        return photo

    def record_failure(self, *, started_at, source, error):
        with self._db() as db:
            return self._insert_capture(db, started_at, time.time(), source, None, error)

    @staticmethod
    def _insert_capture(db, started_at, finished_at, source, photo_id, error):
        db.execute("INSERT INTO captures (started_at, finished_at, source, photo_id, error)"
                   " VALUES (?,?,?,?,?)",
                   (started_at, finished_at, source, photo_id, error))

    def get(self, photo_id):
        if not is_valid_id(photo_id):
            return None
        row = self._db().execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE id = ?",
                                 (photo_id,)).fetchone()
        return Photo(*row) if row else None

    def latest(self):
        row = self._db().execute(
            f"SELECT {PHOTO_COLUMNS} FROM photos ORDER BY seq DESC LIMIT 1").fetchone()
        return Photo(*row) if row else None

    def last_capture_seq(self):
        row = self._db().execute("SELECT max(seq) FROM captures").fetchone()
        return row[0] or 0

    def capture_after(self, seq):
        """The first camera run that finished after capture number seq, if any."""
        row = self._db().execute(
            f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE seq > ? ORDER BY seq LIMIT 1",
            (seq,)).fetchone()
        return Capture(*row) if row else None


def _fsync_file(path):
    _fsync(path, os.O_RDONLY)


def _fsync_dir(path):
    _fsync(path, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path, flags):
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
