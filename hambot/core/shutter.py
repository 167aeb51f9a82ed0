"""The dead time: one camera run at a time across every process, and presses close together share it.

Coordination goes through DATA_DIR (a file lock and the capture log in the index), so it holds
across gunicorn workers and the command line, not just threads.
"""

import fcntl
import logging
import os
import signal
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from .camera import CameraError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shot:
    """What a press got: a photo (new or shared), a failure sentence, or a capture still to wait for."""

    photo: object = None
    reused: bool = False
    error: str | None = None
    status: int = 503  # with an error: 503 the camera failed, 507 there is no room for a photo
    wait_after: int | None = None  # the press joins the first capture logged after this number
    refused: object = None  # a budget.Refusal: the camera did not run, `photo` is the latest one (or None)


class Shutter:
    def __init__(self, store, camera, thermometer, retention, dead_time, max_waiters, budget=None):
        self.store = store
        self.camera = camera
        self.thermometer = thermometer
        self.retention = retention
        self.dead_time = dead_time
        self.lock_path = camera_lock_path(store)
        self.pid_path = store.data_dir / "camera.pid"  # the running camera script, for after a crash
        self._waiters = threading.BoundedSemaphore(max(1, max_waiters))
        self.budget = budget

    def press(self, source, wait=False, client=None):
        """Take a photo, or share the one just taken or being taken; `wait` for it rather than come back later."""
        seen = self.store.captures.last_seq()
        recent = self.recent_photo()
        if recent is not None:
            return Shot(recent, reused=True)
        if not self._waiting_place(wait):
            if wait:
                return self.outcome_after(seen) or Shot(error="The camera is still busy; please try again.")
            return Shot(wait_after=seen)  # this process has threads enough waiting on the camera
        try:
            with self._camera_lock():
                joined = self.store.captures.after(seen)
                if joined is not None:
                    return self._shot_of(joined)
                refused = self.budget and self.budget.charge(source, client)
                if refused:
                    return Shot(self.store.latest(), reused=True, refused=refused, status=429)
                return self._take(source)
        finally:
            self._waiters.release()

    def _waiting_place(self, wait):
        """One of the places to wait on the camera; with `wait`, for as long as a capture may take."""
        if not wait:
            return self._waiters.acquire(blocking=False)
        return self._waiters.acquire(timeout=self.camera.timeout + self.thermometer.timeout + 5)

    def outcome_after(self, seen):
        """The shot a press that saw capture number `seen` ends with, or None while it is under way."""
        joined = self.store.captures.after(seen)
        return None if joined is None else self._shot_of(joined)

    def outcome_within(self, seen, seconds, every=0.05):
        """outcome_after(seen), waiting up to `seconds` while a capture runs; None if it has not ended by then."""
        deadline = time.monotonic() + seconds
        while (shot := self.outcome_after(seen)) is None and time.monotonic() < deadline:
            if not self.camera_busy():
                return self.outcome_after(seen)  # it may have ended just now; if not, there is nothing to wait for
            time.sleep(every)
        return shot

    def camera_busy(self):
        """Whether a camera run holds the lock now, in this process or another."""
        with self._camera_lock(blocking=False) as locked:
            return not locked

    def recent_photo(self):
        latest = self.store.latest()
        if latest is not None and self.ready_in(latest, time.time()) > 0:
            return latest
        return None

    def ready_in(self, photo, now):
        """Seconds from `now` until a press no longer shares `photo`; 0 once the camera may run again."""
        return max(0.0, photo.taken_at + self.dead_time - now)

    def recover(self):
        """Clean up after captures cut off by a crash, unless a capture is running now."""
        with self._camera_lock(blocking=False) as locked:
            if locked:
                self._clear_leftovers()

    def _clear_leftovers(self):
        """Stop a camera script orphaned by a killed server and remove unfinished files; needs the lock."""
        try:
            pid = int(self.pid_path.read_text())
        except (FileNotFoundError, ValueError):
            pid = None
        orphans = set(_camera_groups_writing_to(self.store.temp_dir))  # a crash before the pid file was written
        if pid and self.camera.script and _is_camera_group(pid, self.camera.script):
            orphans.add(pid)
        for group in orphans:
            log.warning("stopped the camera script (process group %d) left running by an earlier crash", group)
            _kill_group(group)
        self.pid_path.unlink(missing_ok=True)
        removed = self.store.clear_temp()
        if removed:
            log.warning("removed %d unfinished capture file(s) left by an earlier crash", removed)

    def _shot_of(self, capture):
        if capture.photo_id is None:
            return Shot(error=capture.error, status=capture.status or 503)
        photo = self.store.get(capture.photo_id)
        if photo is None:
            return Shot(error="That photo was deleted a moment after it was taken; please press again.")
        return Shot(photo, reused=True)

    def _take(self, source):
        started_wall, started = time.time(), time.monotonic()
        self._clear_leftovers()
        refusal = self.retention.room_for_a_photo()
        if refusal:
            self._log_failure(started_wall, source, refusal, 507, None)
            log.error("capture refused source=%s error=%s", source, refusal)
            return Shot(error=refusal, status=507)
        reading = self.thermometer.start()  # the sensor converts while the camera works
        path = self.store.temp_path(".jpg")
        try:
            image = self.camera.capture(path, on_start=self._started)
            temperature = self.thermometer.wait(reading, started + self.thermometer.timeout)
            photo = self.store.add(image, reading=temperature, source=source, started_at=started_wall)
        except (CameraError, OSError, sqlite3.Error) as error:
            sentence = str(error) if isinstance(error, CameraError) else _storage_sentence(error)
            tool = getattr(error, "tool", None)
            self._log_failure(started_wall, source, sentence, 503, tool)
            log.error("capture failed source=%s tool=%s seconds=%.2f error=%s tool_said=%r",
                      source, tool or "unknown", time.monotonic() - started, sentence,
                      getattr(error, "detail", None))
            return Shot(error=sentence)
        finally:
            path.unlink(missing_ok=True)
            self.pid_path.unlink(missing_ok=True)
        log.info("capture stored id=%s source=%s tool=%s camera_seconds=%.2f size=%d %dx%d temperature=%s",
                 photo.id, source, image.tool or "unknown", image.seconds, photo.size, photo.width, photo.height,
                 "none" if photo.temperature_c is None else f"{photo.temperature_c:.1f}C")
        if image.note:
            log.warning("capture id=%s: %s", photo.id, image.note)
        self._prune()
        return Shot(photo)

    def _started(self, pid):
        self.pid_path.write_text(f"{pid}\n")

    def _prune(self):
        try:
            removed = self.retention.prune()
        except (OSError, sqlite3.Error) as error:  # the photo is stored; the next capture prunes again
            log.error("retention failed: %s", error)
            return
        for photo in removed:
            log.info("retention removed id=%s taken_at=%s", photo.id,
                     time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(photo.taken_at)))

    def _log_failure(self, started_at, source, sentence, status, tool):
        try:
            self.store.captures.record_failure(started_at=started_at, source=source, error=sentence, status=status,
                                               camera_tool=tool)
        except sqlite3.Error as error:  # the index itself is failing; the log line still tells
            log.error("could not record the failed capture: %s", error)

    def _camera_lock(self, blocking=True):
        return camera_lock(self.lock_path, blocking)


def camera_lock_path(store):
    return store.data_dir / "camera.lock"


@contextmanager
def camera_lock(path, blocking=True):
    """Yields True holding the lock every camera run takes, or False if blocking is off and it is taken."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def _is_camera_group(pid, script):
    """True if pid still leads a process group running the camera script (not a recycled pid)."""
    try:
        arguments = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        return os.getpgid(pid) == pid and os.fsencode(script) in arguments
    except OSError:
        return False


def _camera_groups_writing_to(temp_dir):
    """Process groups of camera scripts writing into temp_dir; with the camera lock held, any such one is an orphan."""
    prefix = os.fsencode(str(temp_dir / "capture-"))
    groups = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                arguments = cmdline.read().split(b"\0")
            if any(argument.startswith(prefix) for argument in arguments):
                groups.add(os.getpgid(int(entry.name)))
        except OSError:
            continue
    groups.discard(os.getpgid(0))
    return groups


def _kill_group(group):
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _storage_sentence(error):
    reason = getattr(error, "strerror", None) or str(error)
    return f"The photo could not be saved: {reason}."
