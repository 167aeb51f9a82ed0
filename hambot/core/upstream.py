"""`hambot push`: the pusher, which sends the push outbox to UPSTREAM_URL strictly in order, and the long poll
that brings presses of this camera's button on the upstream server to this camera's own shutter.

It runs as its own process (hambot-push.service), never inside the web server's workers: exactly one pusher
keeps the order without a race, and a reload or a worker restart of the web server cuts neither a push nor
the long poll. A lock file keeps a second `hambot push` from starting beside it.
"""

import fcntl
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone

from .. import __version__
from . import outbox, push_queue
from .push_queue import PUSHES
from .remote import POLL_MOST  # how long the upstream holds a long poll open before answering "no press"

log = logging.getLogger(__name__)

TIMEOUT = 30  # seconds to connect, and between bytes of an answer, on every call but the long poll
POLL_SLACK = 10  # the long poll's own time-out beyond POLL_MOST
POLL_BACKOFF_MOST = 5  # seconds between tries of a long poll while the upstream is down: a restart is seen soon
MAX_ANSWER = 64 * 1024
FOREVER = ("400", "409", "413", "415")  # the upstream will never take this push: it is dropped, and logged


class Unreachable(Exception):
    """The upstream did not answer (network, DNS, TLS, a time-out); the sentence says which."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to report, not to follow with the token


def iso(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Client:
    """The upstream hambot's API, as this camera: stdlib urllib, a time-out on every call."""

    def __init__(self, url, token, camera):
        self.url, self.token, self.camera = url.rstrip("/"), token, camera
        self._opener = urllib.request.build_opener(_NoRedirects)

    def call(self, method, path, body=None, headers=None, timeout=TIMEOUT):
        """(status, parsed JSON or None) of one call; Unreachable when there is no answer at all."""
        request = urllib.request.Request(self.url + path, data=body, method=method, headers={
            "Authorization": f"Enigma {self.token}", "User-Agent": f"hambot/{__version__}", **(headers or {})})
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                return answer.status, _json(answer.read(MAX_ANSWER))
        except urllib.error.HTTPError as error:
            with error:
                return error.code, _json(error.read(MAX_ANSWER))
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            raise Unreachable(f"{self.url} did not answer: {reason}.") from None

    def photo(self, push, path, content_type):
        fields = {"camera": self.camera, "taken_at": iso(push.taken_at), "source": push.source}
        if push.celsius is not None:
            fields["temperature_c"] = repr(push.celsius)
        with open(path, "rb") as file:
            data = file.read()
        return self.call("POST", "/api/v1/photos?" + urllib.parse.urlencode(fields), data, {
            "Content-Type": content_type, "Idempotency-Key": f"photo-{push.photo_id}"})

    def reading(self, push):
        fields = {"camera": self.camera, "taken_at": iso(push.taken_at), "temperature_c": repr(push.celsius),
                  "source": push.source}
        return self.call("POST", "/api/v1/readings?" + urllib.parse.urlencode(fields), b"",
                         {"Idempotency-Key": f"reading-{push.taken_at!r}"})

    def press_outcome(self, push):
        body = json.dumps({"photo_key": f"photo-{push.photo_id}" if push.photo_id else None,
                           "error": push.error_sentence}).encode()
        return self.call("POST", f"/api/v1/cameras/{self.camera}/presses/{push.press}", body,
                         {"Content-Type": "application/json"})

    def next_press(self):
        """The number of a press waiting for this camera, or None after POLL_MOST without one."""
        status, answer = self.call("GET", f"/api/v1/cameras/{self.camera}/presses?wait={POLL_MOST}",
                                   timeout=POLL_MOST + POLL_SLACK)
        if status == 200 and isinstance(answer, dict) and isinstance(answer.get("press"), int):
            return answer["press"]
        if status in (200, 204):
            return None
        raise Unreachable(_sentence(status, answer))


def _json(data):
    try:
        return json.loads(data)
    except ValueError:
        return None


def _sentence(status, answer):
    said = answer.get("error") if isinstance(answer, dict) else None
    return f"The upstream answered {status}" + (f": {said}" if said else ".")


class Pusher:
    """Sends the push outbox in order: claim the oldest row, send it, mark it; back off while the upstream is down."""

    def __init__(self, store, client, poll=5.0):
        self.store, self.client, self.poll = store, client, poll
        self.owner = outbox.owner_id()
        self.wake = threading.Event()  # set when a row is queued by this process (a remote press)
        self.stopping = threading.Event()

    def run(self):
        next_clean = 0.0
        while not self.stopping.is_set():
            try:
                self.run_once()
                if time.monotonic() >= next_clean:
                    push_queue.forget_delivered(self.store.database)
                    next_clean = time.monotonic() + 3600
            except Exception:  # a broken index or disk must not end the pusher; it is logged and tried again
                log.exception("the pusher failed; trying again in %s s", self.poll)
            self.wake.wait(self._pause())
            self.wake.clear()

    def _pause(self):
        due = outbox.next_due(self.store.database, PUSHES)
        return self.poll if due is None else min(self.poll, max(0.0, due - time.time()))

    def run_once(self, now=None):
        """Send every row due now, in order; how many were delivered."""
        database = self.store.database
        outbox.release_lost_claims(database, now, PUSHES)
        delivered = 0
        while not self.stopping.is_set():
            push = outbox.claim(database, self.owner, now, PUSHES)
            if push is None:
                break
            error = self._send(push)
            if error is not None:
                outbox.mark_failed(database, push.seq, error, now, PUSHES)
                log.warning("push %s (%s) not delivered, attempt %s: %s", push.seq, push.kind, push.attempts + 1,
                            error)
                break  # in order: the rest waits for this one
            outbox.mark_delivered(database, push.seq, now, PUSHES)
            delivered += 1
        return delivered

    def _send(self, push):
        """None once the upstream has it (or will never take it: logged and dropped), else why not."""
        try:
            status, answer = self._call(push)
        except Unreachable as error:
            return str(error)
        except _Gone as gone:
            log.warning("push %s dropped: %s", push.seq, gone)
            return None
        if 200 <= status < 300:
            return None
        if str(status) in FOREVER or (push.kind == "press" and status == 404):  # a press the upstream forgot
            log.error("push %s (%s) dropped, as the upstream will never take it: %s", push.seq, push.kind,
                      _sentence(status, answer))
            return None
        return _sentence(status, answer)

    def _call(self, push):
        if push.kind == "photo":
            photo = self.store.get(push.photo_id)
            path = photo and self.store.path_of(photo)
            if photo is None or not path.exists():
                raise _Gone(f"the photo {push.photo_id} was removed here before it could be pushed")
            return self.client.photo(push, path, photo.content_type)
        if push.kind == "reading":
            return self.client.reading(push)
        return self.client.press_outcome(push)


class _Gone(Exception):
    """What a push row names is no longer here (retention removed the photo first)."""


class PressPoller:
    """Keeps one long poll open to the upstream; each press it brings is taken through this camera's shutter."""

    def __init__(self, parts, client, pusher):
        self.parts, self.client, self.pusher = parts, client, pusher
        self.stopping = pusher.stopping

    def run(self):
        failures = 0
        while not self.stopping.is_set():
            try:
                press = self.client.next_press()
                failures = 0
            except Unreachable as error:
                failures += 1
                if failures == 1:
                    log.warning("the long poll for presses failed: %s", error)
                self.stopping.wait(min(POLL_BACKOFF_MOST, 0.5 * 2 ** failures))
                continue
            if press is not None:
                self.take(press)

    def take(self, press):
        """The photo for a press upstream: this camera's own dead time, budget and lock; then pushed, in order."""
        log.info("press %s came from the upstream server", press)
        shot = self.parts.shutter.press("remote", wait=True)
        photo_id = shot.photo.id if shot.photo is not None and not shot.error else None
        error = None if photo_id else (shot.error or "The camera is busy; please try again.")
        push_queue.queue_press_outcome(self.parts.store.database, press, photo_id, error)
        self.pusher.wake.set()


@contextmanager
def only_pusher(data_dir):
    """Yields True holding DATA_DIR/push.lock, False when another `hambot push` holds it."""
    fd = os.open(os.path.join(data_dir, "push.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def run_push(parts, stop):
    """The pusher and the long poll, until `stop` (a threading.Event) is set."""
    settings = parts.settings
    client = Client(settings.upstream_url, settings.upstream_token, settings.camera_name)
    pusher = Pusher(parts.store, client)
    pusher.stopping = stop
    poller = PressPoller(parts, client, pusher)
    threads = [threading.Thread(target=pusher.run, name="hambot-pusher", daemon=True),
               threading.Thread(target=poller.run, name="hambot-presses", daemon=True)]
    for thread in threads:
        thread.start()
    log.info("pushing to %s as the camera %s", settings.upstream_url, settings.camera_name)
    stop.wait()
    pusher.wake.set()
