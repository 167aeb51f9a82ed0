"""The photo store: image files under DATA_DIR/photos, indexed in one SQLite file."""

import dataclasses
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from . import history
from .database import Database
from .thumbnails import ThumbnailError, make_thumbnail

log = logging.getLogger(__name__)

ID_BYTES = 9  # 72 random bits, 12 URL-safe characters
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{12}")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}

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
        self.thumbs_dir = self.data_dir / "thumbs"
        self.temp_dir = self.data_dir / "tmp"
        self.db_path = self.data_dir / "hambot.sqlite3"
        self.database = Database(self.db_path)

    def open(self):
        """Create the folders and bring the index up to date; safe to call from every process."""
        for folder in (self.data_dir, self.photos_dir, self.thumbs_dir, self.temp_dir):
            folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        self.database.migrate()

    def _db(self):
        return self.database.connection()

    def close(self):
        self.database.close()

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

    def thumbnail_path_of(self, photo):
        return self.thumbs_dir / f"{photo.id}.jpg"

    def add(self, image, *, reading, source, started_at):
        """Move a checked image into the store under a new id and index it with its capture."""
        thumbnail = self._make_thumbnail(image.path)
        try:
            return self._add(image, thumbnail, reading, source, started_at)
        finally:
            if thumbnail:
                thumbnail.unlink(missing_ok=True)

    def _add(self, image, thumbnail, reading, source, started_at):
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
            if thumbnail:
                os.replace(thumbnail, self.thumbnail_path_of(photo))
            with self.database.transaction() as db:
                db.execute(f"INSERT INTO photos ({PHOTO_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                           dataclasses.astuple(photo))
                self._insert_capture(db, started_at, photo.taken_at, source, photo.id, None)
                if photo.temperature_c is not None:
                    history.record(db, photo.taken_at, photo.temperature_c, "photo")
        except BaseException:
            self._remove_files(photo)
            raise
        return photo

    def thumbnail(self, photo):
        """The thumbnail's path, made now for a photo stored before thumbnails existed; None if it cannot be."""
        path = self.thumbnail_path_of(photo)
        if not path.exists():
            made = self._make_thumbnail(self.path_of(photo))
            if made is None:
                return None
            os.replace(made, path)  # two requests racing here write the same picture
        return path

    def _make_thumbnail(self, source):
        target = self.temp_path(".thumb.jpg")
        try:
            make_thumbnail(source, target)
        except (ThumbnailError, OSError) as error:
            log.warning("no thumbnail for %s: %s", source.name, error)
            return None
        return target

    def delete(self, photo_id):
        """Remove a photo's row, then its files: a crash in between leaves only a stray file."""
        photo = self.get(photo_id)
        if photo is None:
            return None
        with self.database.transaction() as db:
            if db.execute("DELETE FROM photos WHERE id = ?", (photo_id,)).rowcount == 0:
                return None  # removed by someone else a moment ago
        self._remove_files(photo)
        return photo

    def _remove_files(self, photo):
        self.path_of(photo).unlink(missing_ok=True)
        self.thumbnail_path_of(photo).unlink(missing_ok=True)

    def record_failure(self, *, started_at, source, error):
        with self.database.transaction() as db:
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

    def page(self, *, before=None, after=None, limit=24):
        """A page of photos, newest first, next to a cursor photo; None if the cursor is not a photo.

        Returns (photos, has_older, has_newer); each query is one walk along the primary key.
        """
        db = self._db()
        cursor_id = before or after
        if cursor_id is None:
            rows = db.execute(f"SELECT {PHOTO_COLUMNS} FROM photos ORDER BY seq DESC LIMIT ?",
                              (limit + 1,)).fetchall()
            return [Photo(*r) for r in rows[:limit]], len(rows) > limit, False
        seq = self._seq_of(cursor_id)
        if seq is None:
            return None
        if before:
            rows = db.execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                              (seq, limit + 1)).fetchall()
            return [Photo(*r) for r in rows[:limit]], len(rows) > limit, True
        rows = db.execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE seq > ? ORDER BY seq LIMIT ?",
                          (seq, limit + 1)).fetchall()
        return [Photo(*r) for r in reversed(rows[:limit])], True, len(rows) > limit

    def neighbours(self, photo):
        """The ids of the next older and next newer photo, either None at the ends."""
        seq = self._seq_of(photo.id)
        if seq is None:
            return None, None
        db = self._db()
        older = db.execute("SELECT id FROM photos WHERE seq < ? ORDER BY seq DESC LIMIT 1", (seq,)).fetchone()
        newer = db.execute("SELECT id FROM photos WHERE seq > ? ORDER BY seq LIMIT 1", (seq,)).fetchone()
        return (older[0] if older else None), (newer[0] if newer else None)

    def _seq_of(self, photo_id):
        if not is_valid_id(photo_id):
            return None
        row = self._db().execute("SELECT seq FROM photos WHERE id = ?", (photo_id,)).fetchone()
        return row[0] if row else None

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
