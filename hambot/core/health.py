"""What /healthz and the home page's notice say: a handful of index seeks and one statvfs, never a scan."""

import time
from dataclasses import dataclass

from .. import __version__
from .camera import no_camera_found

FAILURES_FOR_UNHEALTHY = 3  # the camera's last this many captures all failed
NO_CAMERA_FOUND = ("No camera was found, so the last photo is hambot's test pattern; "
                   "run hambot doctor on the Pi to see why.")


@dataclass(frozen=True)
class CameraTrouble:
    """The latest captures failed: since when things last worked, how many tries failed, and the last reason."""

    since: float | None  # when the last photo was stored; None if none ever was
    failures: int
    sentence: str
    storage: bool  # the disk, not the camera, is the problem


def camera_trouble(store, latest=None):
    """None while the latest capture worked (or none was tried)."""
    latest = latest or store.captures.latest()
    if latest is None or latest.photo_id is not None:
        return None
    success = store.captures.last_success()
    return CameraTrouble(since=success.finished_at if success else None,
                         failures=store.captures.failures_since(success), sentence=latest.error,
                         storage=latest.status == 507)


def health_report(hambot, iso, full=True):
    """(HTTP status, body) for /healthz; not `full`, for a stranger when a viewer password is set: status, problems."""
    store, retention = hambot.store, hambot.retention
    free = retention.free_bytes()
    latest = store.captures.latest()
    problems = _problems(camera_trouble(store, latest), free, retention.min_free_bytes, full)
    if latest is not None and no_camera_found(latest.camera_tool, hambot.settings.camera):
        problems.append(NO_CAMERA_FOUND)
    status = 503 if problems else 200
    summary = {"status": "failing" if problems else "ok", "problems": problems}
    if not full:
        return status, summary
    count, size = store.totals()
    body = {
        **summary,
        "version": __version__,
        "photos": count,
        "photo_bytes": size,
        "free_bytes": free,
        "last_capture": None if latest is None else {
            "at": iso(latest.finished_at), "ok": latest.photo_id is not None, "error": latest.error,
            "source": latest.source, "camera_tool": latest.camera_tool, "note": latest.note},
        "temperature": _temperature(hambot, iso),
        "alerts": _alerts(hambot, iso),
    }
    if hambot.settings.upstream_url:
        body["upstream"] = _upstream(hambot)
    return status, body


def _upstream(hambot):
    """The push outbox: how much waits for the upstream server, the oldest one's age, and the last error."""
    from . import push_queue
    status = push_queue.status(hambot.store.database)
    return {"queued": status.queued, "oldest_queued_seconds": None if status.oldest_at is None else
            round(time.time() - status.oldest_at, 1), "last_error": status.last_error}


def _alerts(hambot, iso):
    """Undelivered alerts and the oldest one's age: a sender that cannot reach its services shows here."""
    from . import alerts, outbox
    count, oldest = outbox.undelivered(hambot.store.database)
    return {"undelivered": count, "oldest_undelivered_seconds": None if oldest is None else
            round(time.time() - oldest, 1), "ongoing": [
                {"kind": a.kind, "since": iso(a.started_at), "sentence": a.sentence}
                for a in alerts.ongoing(hambot.store.database)]}


def _problems(trouble, free, min_free, full):
    """One sentence per problem; the camera's own words only for those who may see the details."""
    problems = []
    if trouble and not trouble.storage and trouble.failures >= FAILURES_FOR_UNHEALTHY:
        reason = f": {trouble.sentence}" if full else "."
        problems.append(f"The camera's last {trouble.failures} captures failed{reason}")
    if free < min_free:
        problems.append(f"The disk has {free // 1048576} MB free, below MIN_FREE_MB ({min_free // 1048576} MB).")
    return problems


def _temperature(hambot, iso):
    reading = hambot.thermometer.last()
    if reading is not None:
        return {"celsius": reading.celsius, "read_at": iso(reading.read_at), "error": reading.problem}
    recorded = hambot.history.latest()
    if recorded is not None:
        return {"celsius": recorded.celsius, "read_at": iso(recorded.taken_at), "error": None}
    return {"celsius": None, "read_at": None, "error": "No reading has been taken yet."}
