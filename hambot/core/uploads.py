"""Photos and readings sent in by another hambot or a camera client: checked as a camera's image is, and stored
once per Idempotency-Key, so a retried upload stores one photo and gets the first answer again."""

import hashlib
import logging
import math
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from . import history, remote
from .camera import CameraError, CapturedImage, inspect_image
from .tokens import NAME_PATTERN

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"[!-~]{1,200}")  # printable ASCII without spaces, as the IETF draft's examples
SOURCE_PATTERN = re.compile(r"[a-z][a-z0-9:._-]{0,39}")
KEEP_KEYS = 7 * 86400  # seconds an Idempotency-Key is remembered; the pusher retries far sooner than that
EARLIEST = 946684800  # 2000-01-01: an older taken_at is a clock that was never set
FUTURE_SLACK = 86400  # a taken_at up to a day ahead of this server's clock is believed


class UploadError(Exception):
    """An upload was refused; `status` and the sentence the client gets."""

    def __init__(self, status, sentence):
        super().__init__(sentence)
        self.status = status


@dataclass(frozen=True)
class Answer:
    """What an upload was answered: a retry with the same key gets exactly this again."""
    status: int
    body: str
    replayed: bool = False


@dataclass(frozen=True)
class Details:
    """Where an upload came from and what it says about itself, checked."""
    camera: str
    taken_at: float
    celsius: float | None
    source: str
    given: tuple = ()  # the values as sent, which a retry repeats (a default taken_at would differ)


def check_details(grant, values, now=None):
    """The upload's camera, time, temperature and source from its text values; UploadError naming a bad one."""
    now = time.time() if now is None else now
    camera = values.get("camera") or grant.camera or grant.name
    if not NAME_PATTERN.fullmatch(camera):
        raise UploadError(400, "The camera name must be 1 to 32 letters, digits, dots, dashes or underscores.")
    if grant.camera and camera != grant.camera:
        raise UploadError(403, f"This token uploads as the camera {grant.camera} only.")
    source = values.get("source", "upload")  # given but empty is wrong, as the OpenAPI document says
    if not SOURCE_PATTERN.fullmatch(source):
        raise UploadError(400, "The source must be up to 40 lower-case letters, digits or : . _ -.")
    return Details(camera, _taken_at(values.get("taken_at"), now), _celsius(values.get("temperature_c")), source,
                   tuple(sorted(values.items())))


def iso_time(text):
    """An ISO 8601 time (UTC when it names no zone) as Unix seconds; None when it is not one."""
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def _taken_at(text, now):
    if text is None:
        return now
    taken_at = iso_time(text)
    if taken_at is None or not EARLIEST <= taken_at <= now + FUTURE_SLACK:
        raise UploadError(400, "taken_at must be a time in ISO 8601 such as 2026-11-21T08:00:00Z, "
                               "not before 2000 nor ahead of this server's clock by more than a day.")
    return taken_at


def _celsius(text):
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -60 <= value <= 130:  # also refuses nan
        raise UploadError(400, "temperature_c must be a number of degrees Celsius from -60 to 130.")
    return value


def digest(*parts):
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part if isinstance(part, bytes) else str(part).encode())
        hashed.update(b"\0")
    return hashed.hexdigest()


class Uploads:
    """Stores uploads through the same checks, limits and retention as the camera's photos."""

    def __init__(self, store, retention, max_bytes):
        self.store, self.retention, self.max_bytes = store, retention, max_bytes

    def earlier(self, token_name, key, body_digest):
        """The answer the first upload with this key got, or None; 409 when the key came with another body."""
        if key is None:
            return None
        row = self.store.database.connection().execute(
            "SELECT digest, status, body FROM uploads WHERE token_name = ? AND key = ?", (token_name, key)).fetchone()
        if row is None:
            return None
        if row[0] != body_digest:
            raise UploadError(409, "That Idempotency-Key was already used for a different upload.")
        return Answer(row[1], row[2], replayed=True)

    def photo_of(self, token_name, key):
        """The id of the photo an upload with this key stored, or None."""
        row = self.store.database.connection().execute(
            "SELECT photo_id FROM uploads WHERE token_name = ? AND key = ?", (token_name, key)).fetchone()
        return row[0] if row else None

    def photo(self, data, details, *, token_name, key, render):
        """Store `data` (the image's bytes) as a photo of details.camera; render(photo) is the answer's body."""
        body_digest = digest(data, details.camera, *details.given)
        answer = self.earlier(token_name, key, body_digest)
        if answer:
            return answer
        if len(data) > self.max_bytes:
            raise UploadError(413, f"The photo is {len(data) / 1048576:.1f} MB, more than the "
                                   f"{self.max_bytes / 1048576:.1f} MB limit (MAX_PHOTO_MB).")
        refusal = self.retention.room_for_a_photo()
        if refusal:
            raise UploadError(507, refusal.replace("no photo was taken", "the photo was not stored"))
        image = self._checked(data)
        made = {}

        def remember(db, photo):
            remote.uploaded(db, details.camera)
            made["body"] = render(photo)
            _remember(db, token_name, key, body_digest, 201, made["body"], photo.id)

        try:
            photo = self.store.add_upload(image, taken_at=details.taken_at, celsius=details.celsius,
                                          source=details.source, camera=details.camera, also=remember)
        except sqlite3.IntegrityError:  # the same key, sent twice at once: the other one stored it
            image.path.unlink(missing_ok=True)
            return self.earlier(token_name, key, body_digest)
        finally:
            image.path.unlink(missing_ok=True)
        log.info("upload stored id=%s camera=%s source=%s size=%d", photo.id, photo.camera, photo.source, photo.size)
        self.retention.prune()
        return Answer(201, made["body"])

    def _checked(self, data):
        path = self.store.temp_path(".upload", "upload")
        try:
            with open(path, "wb") as file:
                file.write(data)
            try:
                content_type, width, height = inspect_image(path, maker="The upload is")
            except CameraError as error:
                raise UploadError(400, str(error)) from None
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return CapturedImage(path, content_type, width, height, len(data), 0.0)

    def reading(self, details, *, token_name, key, render):
        """Store one temperature reading of details.camera; render() is the answer's body."""
        if details.celsius is None:
            raise UploadError(400, "A reading needs temperature_c.")
        body_digest = digest("reading", details.camera, *details.given)
        answer = self.earlier(token_name, key, body_digest)
        if answer:
            return answer
        body = render()
        try:
            with self.store.database.transaction() as db:
                history.record(db, details.taken_at, details.celsius, details.source, camera=details.camera)
                remote.uploaded(db, details.camera)
                _remember(db, token_name, key, body_digest, 201, body, None)
        except sqlite3.IntegrityError:
            return self.earlier(token_name, key, body_digest)
        return Answer(201, body)


def _remember(db, token_name, key, body_digest, status, body, photo_id, now=None):
    """Inside the upload's own transaction: the key and the answer, and keys past KEEP_KEYS forgotten."""
    if key is None:
        return
    now = time.time() if now is None else now
    db.execute("INSERT INTO uploads (token_name, key, digest, status, body, photo_id, created_at)"
               " VALUES (?,?,?,?,?,?,?)", (token_name, key, body_digest, status, body, photo_id, now))
    db.execute("DELETE FROM uploads WHERE created_at < ?", (now - KEEP_KEYS,))
