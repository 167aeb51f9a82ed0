"""Where alerts go: the NOTIFY_URLS, checked at start-up and sent to through Apprise, photo attached."""

import json
import logging
import subprocess
import sys
import threading
import time

from . import outbox
from .settings import ConfigError

log = logging.getLogger(__name__)
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
TIMEOUT = 10  # seconds Apprise may wait to connect and to read, so a stuck service frees the sender in time
SEND_SECONDS = 6 * TIMEOUT  # the whole child, a photo's upload included; then it is stopped
CHECK_SECONDS = 60  # Apprise's start on a Pi Zero takes a few seconds


def position(index):
    """'the second URL' for index 1: how a URL is named in messages, never by its text, which holds secrets."""
    return f"the {ORDINALS[index]} URL" if index < len(ORDINALS) else f"URL number {index + 1}"


def _capital(text):
    return text[:1].upper() + text[1:]


def scheme(url):
    return url.partition("://")[0].lower() if "://" in url else None


def in_child(request, timeout):
    """Apprise's answer to `request` from a child process (hambot/core/apprise_child.py says why); None if the
    child did not answer in time or at all."""
    try:
        done = subprocess.run([sys.executable, "-m", "hambot.core.apprise_child"], input=json.dumps(request),
                              capture_output=True, text=True, timeout=timeout, check=False)
        return json.loads(done.stdout) if done.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return None


def check_urls(urls):
    """A ConfigError naming the first of the URLs Apprise cannot use, by its position (its text holds secrets)."""
    if not urls:
        return
    found = in_child({"do": "check", "urls": list(urls)}, CHECK_SECONDS)
    if found is None:
        raise ConfigError("NOTIFY_URLS could not be checked: Apprise did not answer; is it installed?")
    index = found["unusable"]
    if index is not None:
        kind = f"({scheme(urls[index])}://) " if scheme(urls[index]) else ""
        raise ConfigError(f"NOTIFY_URLS: {position(index)} {kind}is not one Apprise can use; check it against "
                          "the Apprise wiki for its service.")


class Notifier:
    """Sends one message to one of the NOTIFY_URLS; the outbox decides what and when."""

    def __init__(self, urls):
        self.urls = tuple(urls)
        self._services = None

    def __len__(self):
        return len(self.urls)

    def send(self, target, title, body, attachment=None):
        """None when the service took the message, else one sentence on why not (no secret in it)."""
        if target >= len(self.urls):
            return f"{_capital(position(target))} is no longer in NOTIFY_URLS."
        found = in_child({"do": "send", "url": self._with_timeouts(self.urls[target]), "title": title,
                          "body": body, "attachment": str(attachment) if attachment else None}, SEND_SECONDS)
        result = found and found["result"]
        if result == "ok":
            return None
        if result == "refused":
            return f"{_capital(position(target))} did not take the message."
        if result:
            return f"{_capital(position(target))} failed: {result}."
        return f"{_capital(position(target))} did not answer within {SEND_SECONDS} s."

    @staticmethod
    def _with_timeouts(url):
        """Apprise's cto/rto arguments, unless the URL sets its own."""
        if "cto=" in url or "rto=" in url:
            return url
        return f"{url}{'&' if '?' in url else '?'}cto={TIMEOUT}&rto={TIMEOUT}"


def test_all(notifier, attachment, site_title):
    """Send a test message to every URL at once; (position, error or None) for each."""
    body = f"This is a test message from {site_title}: alerts reach you here."
    return [(position(i), notifier.send(i, f"{site_title}: test", body, attachment)) for i in range(len(notifier))]


class Sender:
    """Delivers the outbox from a background thread of the server; a slow service delays only this thread."""

    def __init__(self, store, notifier, alerts, poll=2.0, tick_every=30.0):
        self.store, self.notifier, self.alerts = store, notifier, alerts
        self.poll, self.tick_every = poll, tick_every
        self.owner = None
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Start the thread (after gunicorn forked this worker: threads do not survive a fork)."""
        self._thread = threading.Thread(target=self._run, name="hambot-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=5):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self):
        next_tick = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_tick:
                    self.tick()
                    next_tick = time.monotonic() + self.tick_every
                self.run_once()
            except Exception:  # a broken index or disk must not end the thread; it is logged and tried again
                log.exception("the alert sender failed; trying again in %s s", self.poll)
            self._stop.wait(self.poll)

    def tick(self, now=None):
        """Time-only alerts (a silent probe, a low disk, the daily photo), in their own transaction."""
        with self.store.database.transaction() as db:
            self.alerts.tick(db, time.time() if now is None else now)

    def run_once(self, now=None):
        """Deliver every message due now; how many were delivered."""
        self.owner = self.owner or outbox.owner_id()
        outbox.release_lost_claims(self.store.database, now)
        delivered = 0
        while not self._stop.is_set() and self._due(now):
            message = outbox.claim(self.store.database, self.owner, now)
            if message is None:
                break
            delivered += self._deliver(message, now)
        return delivered

    def _due(self, now):
        """Whether a message waits now: a read, so an idle sender never takes the write lock."""
        due = outbox.next_due(self.store.database)
        return due is not None and due <= (time.time() if now is None else now)

    def _deliver(self, message, now):
        error = self.notifier.send(message.target, message.title, message.body, self._photo_path(message.photo_id))
        if error is None:
            outbox.mark_delivered(self.store.database, message.seq, now)
            log.info("alert %s delivered to %s", message.seq, position(message.target))
            return 1
        outbox.mark_failed(self.store.database, message.seq, error, now)
        log.warning("alert %s not delivered (attempt %s): %s", message.seq, message.attempts + 1, error)
        return 0

    def _photo_path(self, photo_id):
        """The photo the alert named, or the latest there is if retention has removed it since."""
        photo = self.store.get(photo_id) if photo_id else None
        photo = photo or self.store.latest()
        path = self.store.path_of(photo) if photo else None
        return path if path and path.exists() else None
