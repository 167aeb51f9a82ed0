"""The capture budget: how many camera runs strangers and tokens may start in an hour, and the rest a failing
camera gets. Each run costs an SD card a photo, a thumbnail and several fsyncs; scheduled captures never wait."""

import math
import time
from dataclasses import dataclass

from .ratelimit import client_key

WINDOW = 3600
FAILURES_BEFORE_BACKOFF = 3  # a camera that failed this often in a row rests before the next try
BACKOFF_FIRST, BACKOFF_MOST = 10, 600  # seconds: doubling with each further failure, up to the most


@dataclass(frozen=True)
class Refusal:
    """Why a press does not run the camera now, and in how many whole seconds it may."""

    sentence: str
    retry_after: int


class CaptureBudget:
    """Counts camera runs per visitor address, for all visitors and per token, in the index database."""

    def __init__(self, store, per_visitor, all_visitors, per_token):
        self.store, self.database = store, store.database
        self.per_visitor, self.all_visitors, self.per_token = per_visitor, all_visitors, per_token

    def charge(self, source, address, now=None):
        """None, having counted the run `source` is about to start, or the Refusal that stops it."""
        kind, key = _budget_of(source, address)
        if kind is None:
            return None
        now = time.time() if now is None else now
        refusal = self._backoff(now) or self._over(kind, key, now)
        if refusal is None:
            with self.database.transaction() as db:
                db.execute("DELETE FROM capture_budget WHERE at < ?", (now - WINDOW,))
                db.execute("INSERT INTO capture_budget (at, kind, key) VALUES (?, ?, ?)", (now, kind, key))
        return refusal

    def _over(self, kind, key, now):
        if kind == "token":
            who = "The upstream server's visitors have" if key == "remote" else "This token has"
            return self._limit("key", key, self.per_token, now, f"{who} started {self.per_token} photos "
                                                               "this hour, as many as a token may.")
        return (self._limit("key", key, self.per_visitor, now,
                            f"You have taken {self.per_visitor} photos this hour, as many as one visitor may.")
                or self._limit("kind", "visitor", self.all_visitors, now,
                               f"Visitors have taken {self.all_visitors} photos this hour, as many as the "
                               "camera takes for them."))

    def _limit(self, column, value, limit, now, sentence):
        """A Refusal once `limit` runs with this column's value started within the window."""
        row = self.database.connection().execute(
            f"SELECT at FROM capture_budget WHERE {column} = ? AND at >= ? ORDER BY at DESC LIMIT 1 OFFSET ?",
            (value, now - WINDOW, limit - 1)).fetchone()
        if row is None:
            return None
        return Refusal(sentence, max(1, math.ceil(row[0] + WINDOW - now)))

    def _backoff(self, now):
        """After FAILURES_BEFORE_BACKOFF failed runs in a row, a rest that doubles with each further one."""
        latest = self.store.captures.latest()
        if latest is None or latest.photo_id is not None or latest.status == 507:
            return None
        failures = self.store.captures.failures_since(self.store.captures.last_success())
        if failures < FAILURES_BEFORE_BACKOFF:
            return None
        rest = min(BACKOFF_MOST, BACKOFF_FIRST * 2 ** (failures - FAILURES_BEFORE_BACKOFF))
        wait = math.ceil(latest.finished_at + rest - now)
        if wait <= 0:
            return None
        return Refusal(f"The camera failed its last {failures} tries, so it rests {rest} s before the next.", wait)


def _budget_of(source, address):
    """("visitor", address) for the button and D.O.G.'s GET, ("token", name) for the API, (None, None) else."""
    if source in ("button", "legacy"):
        return "visitor", f"visitor {client_key(address or '')}"
    if source.startswith("api:"):
        return "token", source
    if source == "remote":  # presses on the upstream server: together, one client of this camera
        return "token", source
    return None, None


def in_words(seconds):
    """A wait as people say it: "45 s" or "7 min"."""
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"
