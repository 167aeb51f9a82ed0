"""What raises an alert, and when it ends: evaluated where a reading or capture is stored, in its transaction.

Each evaluation reads the small alert_state table (one row per kind) and a few index seeks: O(1), never O(history).
An episode writes one message when it starts, at most one reminder every ALERT_REMIND_HOURS, and one when it ends.
"""

import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from . import outbox
from .health import FAILURES_FOR_UNHEALTHY
from .thermometer import to_unit

HYSTERESIS = 0.5  # °C inside the band a temperature must come back to before its alert ends
TITLES = {"too_warm": "Too warm", "too_cold": "Too cold", "sensor_silent": "No temperature reading",
          "camera": "Camera failing", "disk": "Disk full", "daily": "Daily photo"}
TEMPERATURE_KINDS = ("too_warm", "too_cold", "sensor_silent")


@dataclass(frozen=True)
class State:
    kind: str
    pending_since: float | None = None  # when the condition was first seen, before it lasted long enough
    alert_seq: int | None = None  # the ongoing episode, if one started
    last_sent: float | None = None  # its start or last reminder
    count: int = 0  # consecutive camera failures


@dataclass(frozen=True)
class Alert:
    seq: int
    kind: str
    started_at: float
    ended_at: float | None
    value: float | None
    worst: float | None
    sentence: str

    @property
    def title(self):
        return TITLES.get(self.kind, self.kind)


@dataclass(frozen=True)
class Rules:
    """The settings evaluation needs, taken once."""

    comfort_min: float | None
    comfort_max: float | None
    alert_seconds: float
    silent_seconds: float
    remind_seconds: float | None
    targets: int
    unit: str = "C"
    public_url: str | None = None
    site_title: str = "hambot"
    daily_at: str | None = None
    sensor: str = "auto"
    data_dir: Path | None = None
    min_free_bytes: int = 0

    @classmethod
    def from_settings(cls, settings):
        remind = settings.alert_remind_hours
        return cls(settings.temperature_comfort_min, settings.temperature_comfort_max,
                   settings.temperature_alert_minutes * 60, settings.sensor_silent_minutes * 60,
                   None if remind is None else remind * 3600, len(settings.notify_urls),
                   settings.temperature_unit, settings.public_url, settings.site_title, settings.daily_photo_at,
                   settings.temperature_sensor, settings.data_dir, settings.min_free_bytes)


def clock(at, now=None):
    """14:05 today; with the day when it was longer ago."""
    now = time.time() if now is None else now
    return time.strftime("%H:%M" if now - at < 86400 else "%d %b %H:%M", time.localtime(at))


class Alerts:
    """The alert engine; every method takes the caller's open transaction `db`."""

    def __init__(self, rules, database=None):
        self.rules = rules
        self.database = database  # only for tick_now

    def tick_now(self):
        """A tick in its own transaction, for a command that stored nothing (a probe that did not answer)."""
        with self.database.transaction() as db:
            self.tick(db, time.time())

    def degrees(self, celsius):
        return f"{to_unit(celsius, self.rules.unit):.1f} °{self.rules.unit}"

    def limit(self, celsius):
        return f"{to_unit(celsius, self.rules.unit):g} °{self.rules.unit}"

    # What happened

    def reading(self, db, at, celsius):
        """A temperature was stored: the band, with hysteresis, and the end of a silence."""
        states = _states(db)
        low, high = self.rules.comfort_min, self.rules.comfort_max
        if high is not None:
            self._band(db, states["too_warm"], at, celsius, celsius > high, celsius <= high - HYSTERESIS)
        if low is not None:
            self._band(db, states["too_cold"], at, celsius, celsius < low, celsius >= low + HYSTERESIS)
        silent = states["sensor_silent"]
        if silent.alert_seq is not None:
            started = self._started_at(db, silent)
            self._end(db, silent, at, celsius, f"Temperature readings are back: {self.degrees(celsius)} at "
                      f"{clock(at)}; the probe was silent from {clock(started)}.")

    def photo_stored(self, db, at, celsius=None):
        """A capture worked: the camera and the disk are fine again."""
        states = _states(db)
        camera = states["camera"]
        if camera.alert_seq is not None:
            self._end(db, camera, at, None, f"The camera works again: a photo was stored at {clock(at)}; "
                      f"it had failed since {clock(self._started_at(db, camera))}.")
        elif camera.count:
            _save(db, replace(camera, count=0, pending_since=None))
        disk = states["disk"]
        if disk.alert_seq is not None and not self._disk_low():
            self._end(db, disk, at, None, f"The disk has room again: a photo was stored at {clock(at)}.")
        if celsius is not None:
            self.reading(db, at, celsius)
        self.tick(db, at)

    def capture_failed(self, db, at, status, error):
        """A camera run failed (503) or its photo was refused for lack of room (507)."""
        states = _states(db)
        if status == 507:
            self._start_once(db, states["disk"], at, None, f"A photo was refused at {clock(at)} for lack of room: "
                             f"{error}")
        else:
            camera = states["camera"]
            camera = replace(camera, count=camera.count + 1, pending_since=camera.pending_since or at)
            if camera.count >= FAILURES_FOR_UNHEALTHY and camera.alert_seq is None:
                self._start(db, camera, at, None, f"The camera failed {camera.count} times in a row since "
                            f"{clock(camera.pending_since)}; the last try said: {error}")
            else:
                _save(db, camera)
                self._maybe_remind(db, camera, at, None)
        self.tick(db, at)

    def tick(self, db, now, states=None):
        """What only the passing of time reveals: a silent probe, a low disk, the daily photo."""
        states = states or _states(db)
        self._silence(db, states["sensor_silent"], now)
        if self._disk_low() and states["disk"].alert_seq is not None:
            self._maybe_remind(db, states["disk"], now, None)
        elif self._disk_low():
            self._start_once(db, states["disk"], now, None, "The disk is low: "
                             f"{self._free() // 1048576} MB free, below MIN_FREE_MB "
                             f"({self.rules.min_free_bytes // 1048576} MB); photos will soon be refused.")
        self._daily(db, states["daily"], now)

    # Conditions

    def _band(self, db, state, at, celsius, outside, recovered):
        """Outside for alert_seconds starts an episode; only `recovered` (0.5 °C inside) ends it."""
        if state.alert_seq is not None:
            if recovered:
                word = "warm" if state.kind == "too_warm" else "cold"
                alert = self._alert(db, state.alert_seq)
                self._end(db, state, at, celsius, f"Back to normal: {self.degrees(celsius)} at {clock(at)}; it was "
                          f"too {word} from {clock(alert.started_at)} ({self._extreme(state.kind)} "
                          f"{self.degrees(alert.worst)}).")
            else:
                self._track(db, state, celsius)
                self._maybe_remind(db, state, at, celsius)
        elif outside:
            since = state.pending_since if state.pending_since is not None else at
            state = replace(state, pending_since=since)
            if at - since >= self.rules.alert_seconds:
                self._start(db, state, at, celsius, self._band_sentence(state.kind, celsius, since))
            elif since == at:
                _save(db, state)
        elif state.pending_since is not None:
            _save(db, replace(state, pending_since=None))

    def _band_sentence(self, kind, celsius, since):
        if kind == "too_warm":
            return (f"Too warm: {self.degrees(celsius)} since {clock(since)}, above the "
                    f"{self.limit(self.rules.comfort_max)} comfort limit.")
        return (f"Too cold: {self.degrees(celsius)} since {clock(since)}, below the "
                f"{self.limit(self.rules.comfort_min)} comfort limit.")

    @staticmethod
    def _extreme(kind):
        return "lowest" if kind == "too_cold" else "highest"

    def _silence(self, db, state, now):
        if state.alert_seq is not None:
            self._maybe_remind(db, state, now, None)
            return
        if self.rules.sensor == "none":
            return
        last = db.execute("SELECT max(taken_at) FROM readings WHERE camera IS NULL").fetchone()[0]  # one index seek
        if last is not None and now - last >= self.rules.silent_seconds:
            self._start(db, replace(state, pending_since=last), now, None,
                        f"No temperature reading since {clock(last)}: the probe may be unplugged or its bus gone.")

    def _free(self):
        return shutil.disk_usage(self.rules.data_dir).free

    def _disk_low(self):
        if self.rules.data_dir is None or not self.rules.min_free_bytes:
            return False
        try:
            return self._free() < self.rules.min_free_bytes
        except OSError:
            return False

    def _daily(self, db, state, now):
        """Once a day after DAILY_PHOTO_AT (local time): the latest photo with the day's low and high."""
        if self.rules.daily_at is None:
            return
        local = time.localtime(now)
        hour, minute = map(int, self.rules.daily_at.split(":"))
        due = time.mktime((local.tm_year, local.tm_mon, local.tm_mday, hour, minute, 0, 0, 0, -1))
        if now < due or (state.last_sent or 0) >= due:
            return
        midnight = time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))
        low, high = db.execute("SELECT min(low), max(high) FROM reading_buckets WHERE width = 7200 AND start >= ?",
                               (int(midnight) // 7200 * 7200,)).fetchone()  # at most 12 buckets
        span = (f" Today's temperature went from {self.degrees(low)} to {self.degrees(high)}."
                if low is not None else " There was no temperature reading today.")
        self._send(db, "daily", None, f"The latest photo of {time.strftime('%d %b', local)}.{span}", now)
        _save(db, replace(state, last_sent=now))

    # Episodes

    def _start(self, db, state, at, value, sentence):
        seq = db.execute("INSERT INTO alerts (kind, started_at, value, worst, sentence) VALUES (?,?,?,?,?)",
                         (state.kind, state.pending_since or at, value, value, sentence)).lastrowid
        _save(db, replace(state, alert_seq=seq, last_sent=at))
        self._send(db, "start", seq, sentence, at, state.kind)

    def _start_once(self, db, state, at, value, sentence):
        if state.alert_seq is None:
            self._start(db, replace(state, pending_since=at), at, value, sentence)

    def _maybe_remind(self, db, state, at, value):
        remind = self.rules.remind_seconds
        if state.alert_seq is None or remind is None or at - (state.last_sent or at) < remind:
            return
        alert = self._alert(db, state.alert_seq)
        if state.kind in ("too_warm", "too_cold"):
            word, side = ("warm", "above") if state.kind == "too_warm" else ("cold", "below")
            edge = self.rules.comfort_max if state.kind == "too_warm" else self.rules.comfort_min
            sentence = (f"Still too {word}: {self.degrees(value)} now, since {clock(alert.started_at)}, {side} the "
                        f"{self.limit(edge)} comfort limit ({self._extreme(state.kind)} {self.degrees(alert.worst)}).")
        else:
            sentence = f"Still ongoing: {alert.sentence}"
        _save(db, replace(state, last_sent=at))
        self._send(db, "reminder", alert.seq, sentence, at, state.kind)

    def _track(self, db, state, celsius):
        """The episode's latest and worst value, for the reminder, the recovery and the home page."""
        worst = "max" if state.kind == "too_warm" else "min"
        db.execute(f"UPDATE alerts SET value = ?, worst = {worst}(coalesce(worst, ?), ?) WHERE seq = ?",
                   (celsius, celsius, celsius, state.alert_seq))

    def _end(self, db, state, at, value, sentence):
        db.execute("UPDATE alerts SET ended_at = ? WHERE seq = ?", (at, state.alert_seq))
        _save(db, State(state.kind))
        self._send(db, "end", state.alert_seq, sentence, at, state.kind)

    def _alert(self, db, seq):
        return Alert(*db.execute(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE seq = ?", (seq,)).fetchone())

    def _started_at(self, db, state):
        return self._alert(db, state.alert_seq).started_at

    def _send(self, db, event, alert_seq, sentence, at, kind="daily"):
        """The message, with the latest photo and a link to its page, into the outbox in this transaction."""
        row = db.execute("SELECT id FROM photos ORDER BY seq DESC LIMIT 1").fetchone()
        photo_id = row[0] if row else None
        body = sentence
        if self.rules.public_url:
            body += f"\n{self.rules.public_url}/photos/{photo_id}" if photo_id else f"\n{self.rules.public_url}/"
        title = f"{self.rules.site_title}: {TITLES[kind]}" + (" (over)" if event == "end" else "")
        outbox.enqueue(db, targets=self.rules.targets, event=event, title=title, body=body, photo_id=photo_id,
                       alert_seq=alert_seq, now=at)


ALERT_COLUMNS = "seq, kind, started_at, ended_at, value, worst, sentence"
STATE_COLUMNS = "kind, pending_since, alert_seq, last_sent, count"


def _states(db):
    """Every kind's state in one read of the (six-row) table."""
    found = {row[0]: State(*row) for row in db.execute(f"SELECT {STATE_COLUMNS} FROM alert_state")}
    return {kind: found.get(kind, State(kind)) for kind in TITLES}


def _save(db, state):
    db.execute(f"INSERT OR REPLACE INTO alert_state ({STATE_COLUMNS}) VALUES (?,?,?,?,?)",
               (state.kind, state.pending_since, state.alert_seq, state.last_sent, state.count))


def ongoing(database):
    """The alerts that have not ended, oldest first (a walk of the small partial index)."""
    rows = database.connection().execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts WHERE ended_at IS NULL ORDER BY seq").fetchall()
    return [Alert(*row) for row in rows]


def recent(database, limit=20):
    rows = database.connection().execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
    return [Alert(*row) for row in rows]


def between(database, since, until):
    """The episodes that overlap [since, until), for the chart's marks."""
    rows = database.connection().execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts WHERE kind IN ('too_warm', 'too_cold', 'sensor_silent')"
        " AND started_at < ? AND coalesce(ended_at, ?) >= ? ORDER BY seq", (until, until, since)).fetchall()
    return [Alert(*row) for row in rows]


def notice(alert, unit):
    """The home page's line: 'Too warm since 14:05: 27.1 °C'."""
    value = f": {to_unit(alert.value, unit):.1f} °{unit}" if alert.value is not None else ""
    return f"{alert.title} since {clock(alert.started_at)}{value}"
