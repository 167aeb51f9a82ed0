"""The photo store: image files under DATA_DIR/photos, indexed in one SQLite file."""

import dataclasses
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from . import day_index, history
from . import push_queue as upstream_queue
from .camera import TEST_PATTERN
from .captures import CaptureLog, insert_capture
from .database import Database
from .days import day_of
from .thumbnails import ThumbnailError, make_thumbnail

log = logging.getLogger(__name__)

ID_BYTES = 9  # 72 random bits, 12 URL-safe characters
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{12}")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}

def new_id():
    """A random id that never starts with "-", which a command line (hambot keep ID) would take for an option."""
    while (photo_id := secrets.token_urlsafe(ID_BYTES)).startswith("-"):
        pass
    return photo_id


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
    kept: bool = False
    camera_tool: str | None = None  # as camera_access.sh named it; None for a camera script of the user's own
    camera: str | None = None  # the camera an upload came from; None for this hambot's own

    @property
    def test_pattern(self):
        """Colour bars drawn because no camera was found, not a photo of the enclosure."""
        return self.camera_tool == TEST_PATTERN

    @property
    def extension(self):
        return EXTENSIONS[self.content_type]

    @property
    def filename(self):
        return f"{self.id}.{self.extension}"


PHOTO_COLUMNS = ("id, taken_at, temperature_c, temperature_note, source, size, width, height, content_type, kept,"
                 " camera_tool, camera")
STORING = "storing-"  # temp-folder marker of a photo whose files come before its index row
PLACEHOLDERS = ",".join("?" * len(PHOTO_COLUMNS.split(",")))
THUMB_WORK_GRACE = 60  # seconds a lazily made thumbnail may sit in tmp/ before it counts as a leftover


class Store:
    """Files first, index row second: the index never lists a photo whose file is missing."""

    def __init__(self, data_dir, zone=None):
        """`zone`: TIMEZONE, which photos' local days follow; None keeps the zone the index already uses."""
        self.data_dir = Path(data_dir)
        self.zone = zone
        self.photos_dir = self.data_dir / "photos"
        self.thumbs_dir = self.data_dir / "thumbs"
        self.temp_dir = self.data_dir / "tmp"
        self.db_path = self.data_dir / "hambot.sqlite3"
        self.database = Database(self.db_path)
        self.captures = CaptureLog(self.database)
        self.alerts = None  # core/alerts.py's Alerts, evaluated in the transaction that stores each capture
        self.stamp = None  # core/stamp.py's Stamp when STAMP is on: the time and temperature written into each photo
        self.pushing = False  # with UPSTREAM_URL: each own photo also goes into the push outbox (core/upstream.py)

    def open(self):
        """Create the folders and bring the index up to date; safe to call from every process."""
        for folder in (self.data_dir, self.photos_dir, self.thumbs_dir, self.temp_dir):
            folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        self.database.migrate(then=self._align_days)

    def _align_days(self, db):
        self.zone = day_index.zone_for(db, self.zone)
        day_index.align(db, self.zone)

    def _db(self):
        return self.database.connection()

    def close(self):
        self.database.close()

    def temp_path(self, suffix, kind="capture"):
        return self.temp_dir / f"{kind}-{secrets.token_hex(8)}{suffix}"

    def clear_temp(self):
        """Remove what interrupted captures left; call only while holding the camera lock.

        Thumbnails made on request (without the lock) are spared while they may still be in the works.
        """
        removed = 0
        now = time.time()
        for leftover in self.temp_dir.iterdir():
            try:
                if leftover.name.startswith("thumb-") and now - leftover.stat().st_mtime < THUMB_WORK_GRACE:
                    continue
                if leftover.name.startswith(STORING):
                    self._undo_unfinished(leftover)
                leftover.unlink()
            except FileNotFoundError:
                continue
            removed += 1
        return removed

    def path_of(self, photo):
        return self.photos_dir / photo.filename

    def thumbnail_path_of(self, photo):
        return self.thumbs_dir / f"{photo.id}.jpg"

    def add(self, image, *, reading, source, started_at):
        """Move a checked image into the store under a new id and index it with its capture."""
        taken_at = time.time()
        if self.stamp:  # before the thumbnail, so both show it; the unstamped pixels are not kept
            image = self._stamped(image, taken_at, reading)
        return self._store(image, Arrival(taken_at, reading.celsius, reading.problem, source, started_at))

    def add_upload(self, image, *, taken_at, celsius, source, camera, also=None):
        """Store an uploaded image from `camera` (no capture row: no camera ran here); also(db, photo) joins
        the transaction that indexes it."""
        return self._store(image, Arrival(taken_at, celsius, None, source, None, camera, also))

    def _store(self, image, arrival):
        thumbnail = self._make_thumbnail(image.path, "capture")
        try:
            return self._add(image, thumbnail, arrival)
        finally:
            if thumbnail:
                thumbnail.unlink(missing_ok=True)

    def _stamped(self, image, taken_at, reading):
        """The image with the stamp written into its file, which then holds only the stamped pixels."""
        width, height, size = self.stamp.stamp_file(image.path, image.content_type, taken_at, reading.celsius)
        return dataclasses.replace(image, width=width, height=height, size=size)

    def _add(self, image, thumbnail, arrival):
        fsync_file(image.path)
        while True:
            photo = Photo(new_id(), arrival.taken_at, arrival.celsius, arrival.problem, arrival.source,
                          image.size, image.width, image.height, image.content_type, camera_tool=image.tool,
                          camera=arrival.camera)
            marker = self._mark_storing(photo.id)
            try:
                os.link(image.path, self.path_of(photo))  # exclusive: never overwrites
                break
            except FileExistsError:
                marker.unlink()
                continue
        image.path.unlink()
        fsync_dir(self.photos_dir)
        try:
            if thumbnail:
                os.replace(thumbnail, self.thumbnail_path_of(photo))
            with self.database.transaction() as db:
                db.execute(f"INSERT INTO photos ({PHOTO_COLUMNS}, day) VALUES ({PLACEHOLDERS}, ?)",
                           (*dataclasses.astuple(photo), self.local_day(photo.taken_at).isoformat()))
                self._index(db, photo, image, arrival)
        except BaseException:
            self._remove_files(photo)
            raise
        finally:
            marker.unlink(missing_ok=True)
        return photo

    def local_day(self, timestamp):
        """The day in TIMEZONE a photo taken at `timestamp` is on (the store must be open)."""
        return day_of(timestamp, self.zone)

    def _index(self, db, photo, image, arrival):
        """The rest of a new photo's transaction: its capture, its reading, its alerts, its push, its upload."""
        if arrival.started_at is not None:
            insert_capture(db, arrival.started_at, photo.taken_at, photo.source, photo.id, None,
                           camera_tool=image.tool, note=image.note)
        if photo.temperature_c is not None:
            history.record(db, photo.taken_at, photo.temperature_c, "photo", camera=photo.camera)
        if photo.camera is None and self.alerts:  # alerts (hambot/core/alerts.py)
            self.alerts.photo_stored(db, photo.taken_at, photo.temperature_c)
        if photo.camera is None and self.pushing:
            upstream_queue.queue_photo(db, photo)
        if arrival.also:
            arrival.also(db, photo)

    def _mark_storing(self, photo_id):
        """A durable note that photo_id's files may exist before its row: a crash in between is undone at start."""
        marker = self.temp_dir / f"{STORING}{photo_id}"
        marker.touch()
        fsync_dir(self.temp_dir)
        return marker

    def _undo_unfinished(self, marker):
        """After a crash: the files of a photo whose row was never committed go; an indexed one stays."""
        photo_id = marker.name.removeprefix(STORING)
        if is_valid_id(photo_id) and self.get(photo_id) is None:
            for extension in set(EXTENSIONS.values()):
                (self.photos_dir / f"{photo_id}.{extension}").unlink(missing_ok=True)
            (self.thumbs_dir / f"{photo_id}.jpg").unlink(missing_ok=True)

    def thumbnail(self, photo):
        """The thumbnail's path, made now for a photo stored before thumbnails existed; None if it cannot be."""
        path = self.thumbnail_path_of(photo)
        if not path.exists():
            made = self._make_thumbnail(self.path_of(photo), "thumb")
            if made is None:
                return None
            os.replace(made, path)  # two requests racing here write the same picture
        return path

    def _make_thumbnail(self, source, kind):
        target = self.temp_path(".thumb.jpg", kind)
        try:
            make_thumbnail(source, target)
        except (ThumbnailError, OSError) as error:
            log.warning("no thumbnail for %s: %s", source.name, error)
            return None
        return target

    def delete(self, photo_id):
        """Remove one photo; the photo it was, or None if there is no such photo."""
        photo = self.get(photo_id)
        removed = self.delete_many([photo]) if photo else []
        return removed[0] if removed else None

    def delete_many(self, photos):
        """Remove the photos' rows in one transaction, then their files: a crash in between leaves only stray files.

        Returns the photos that were still there to remove.
        """
        removed = []
        with self.database.transaction() as db:
            for photo in photos:
                if db.execute("DELETE FROM photos WHERE id = ?", (photo.id,)).rowcount:
                    removed.append(photo)
        for photo in removed:
            self._remove_files(photo)
        return removed

    def set_kept(self, photo_id, kept):
        """Mark a photo to keep (retention never removes it) or not; the updated photo, or None."""
        if not is_valid_id(photo_id):
            return None
        with self.database.transaction() as db:
            db.execute("UPDATE photos SET kept = ? WHERE id = ?", (int(kept), photo_id))
        return self.get(photo_id)

    def oldest_unkept(self, limit):
        rows = self._db().execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE kept = 0 ORDER BY seq LIMIT ?",
                                  (limit,)).fetchall()
        return [_photo(row) for row in rows]

    def totals(self):
        """(number of photos, bytes of their files), kept up to date by triggers: no scan."""
        return self._db().execute("SELECT count, bytes FROM photo_totals").fetchone()

    def generation(self):
        """A number that changes whenever a photo is added, removed or changed, in the same transaction (triggers):
        one row read, so a page of photos rendered at one generation can be reused until it moves on."""
        return self._db().execute("SELECT generation FROM photo_totals").fetchone()[0]

    def kept_bytes(self):
        """Bytes of the photos marked to keep (a walk over those few rows only)."""
        return self._db().execute("SELECT coalesce(sum(size), 0) FROM photos WHERE kept = 1").fetchone()[0]

    def audit(self):
        """Index rows whose file is missing, and photo files no row lists; reads every row and file."""
        ids = {}
        for photo_id, content_type in self._db().execute("SELECT id, content_type FROM photos"):
            ids[f"{photo_id}.{EXTENSIONS[content_type]}"] = photo_id
        files = {entry.name for entry in os.scandir(self.photos_dir) if entry.is_file()}
        missing = sorted(photo_id for name, photo_id in ids.items() if name not in files)
        strays = sorted(files - set(ids))
        return missing, strays

    def _remove_files(self, photo):
        self.path_of(photo).unlink(missing_ok=True)
        self.thumbnail_path_of(photo).unlink(missing_ok=True)

    def get(self, photo_id):
        if not is_valid_id(photo_id):
            return None
        row = self._db().execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE id = ?",
                                 (photo_id,)).fetchone()
        return _photo(row) if row else None

    def latest(self):
        row = self._db().execute(
            f"SELECT {PHOTO_COLUMNS} FROM photos ORDER BY seq DESC LIMIT 1").fetchone()
        return _photo(row) if row else None

    def latest_of(self, camera):
        """The newest photo uploaded from `camera` (one seek on photos_by_camera), or None."""
        row = self._db().execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE camera = ? ORDER BY seq DESC LIMIT 1",
                                 (camera,)).fetchone()
        return _photo(row) if row else None

    def page(self, *, before=None, after=None, limit=24, camera=None):
        """A page of photos, newest first, next to a cursor photo; None if the cursor is not a photo.
        With `camera`, only the photos uploaded from it (a walk along photos_by_camera).

        Returns (photos, has_older, has_newer); each query is one walk along the primary key.
        """
        db = self._db()
        only, chosen = ("camera = ? AND ", (camera,)) if camera else ("", ())
        cursor_id = before or after
        if cursor_id is None:
            rows = db.execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE {only}1 ORDER BY seq DESC LIMIT ?",
                              (*chosen, limit + 1)).fetchall()
            return [_photo(r) for r in rows[:limit]], len(rows) > limit, False
        seq = self._seq_of(cursor_id)
        if seq is None:
            return None
        if before:
            rows = db.execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE {only}seq < ? ORDER BY seq DESC LIMIT ?",
                              (*chosen, seq, limit + 1)).fetchall()
            return [_photo(r) for r in rows[:limit]], len(rows) > limit, True
        rows = db.execute(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE {only}seq > ? ORDER BY seq LIMIT ?",
                          (*chosen, seq, limit + 1)).fetchall()
        return [_photo(r) for r in reversed(rows[:limit])], True, len(rows) > limit

    def taken_between(self, start, end):
        """The photos taken in [start, end), oldest first, read a few at a time so a long day costs no memory."""
        rows = self._db().execute(
            f"SELECT {PHOTO_COLUMNS} FROM photos WHERE taken_at >= ? AND taken_at < ? ORDER BY taken_at, seq",
            (start, end))
        for row in rows:
            yield _photo(row)

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


def open_store(data_dir, zone=None):
    """A Store ready to use, its folders made and its index brought up to date."""
    store = Store(data_dir, zone)
    store.open()
    return store


def _photo(row):
    return Photo(*row[:9], kept=bool(row[9]), camera_tool=row[10], camera=row[11])


@dataclass(frozen=True)
class Arrival:
    """How a photo came: taken here by the camera (started_at is when it ran) or uploaded from `camera`."""
    taken_at: float
    celsius: float | None
    problem: str | None
    source: str
    started_at: float | None
    camera: str | None = None
    also: object = None


def fsync_file(path):
    _fsync(path, os.O_RDONLY)


def fsync_dir(path):
    _fsync(path, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path, flags):
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
