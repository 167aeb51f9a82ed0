"""Renders the pages; templates live in templates/, and every value in them is escaped."""

import datetime
import math
import time
from dataclasses import dataclass
from pathlib import Path

from bottle import request, template

from .. import __version__
from .access import signed_in
from .chart import RANGE_WORDS
from ..core.days import bounds, day_of
from ..core.thermometer import format_temperature

# One list for every render: Bottle caches compiled templates by the lookup list's id().
TEMPLATE_LOOKUP = [str(Path(__file__).with_name("templates"))]
STATIC_FILES = frozenset(p.name for p in Path(__file__).with_name("static").iterdir())
STATUS_SENTENCES = {
    400: "That request could not be understood.",
    401: "Please sign in first.",
    403: "That is not allowed here.",
    404: "There is nothing at this address.",
    405: "This address does not take that kind of request.",
    413: "That request is too large.",
    416: "That part of the file does not exist.",
    500: "Something went wrong on our side; it has been logged.",
    429: "Too many tries; please wait a little.",
    503: "hambot cannot do that right now; please try again shortly.",
    507: "The disk is full, so nothing more can be stored.",
}
STATUS_TITLES = {400: "Bad request", 401: "Sign in", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
                 413: "Too large", 416: "Not in the file", 429: "Too many tries", 500: "Server error",
                 503: "Unavailable", 507: "Disk full"}


def manifest(site_title):
    """The web app manifest, so a phone can add hambot to its home screen."""
    return {"name": site_title, "short_name": site_title[:12], "start_url": "/", "scope": "/",
            "display": "standalone", "background_color": "#fbf8f3", "theme_color": "#b5562b",
            "icons": [{"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
                      {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
                      {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"}]}


def moment(timestamp):
    """A time as ISO 8601 UTC for machines and a plain UTC text for people without JavaScript."""
    utc = time.gmtime(timestamp)
    return {"iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", utc),
            "text": time.strftime("%d %b %Y, %H:%M:%S UTC", utc).lstrip("0")}


def day_words(day):
    """A day as the pages write dates, with its weekday: "Sunday 29 Mar 2026" (C-locale names, as moment's)."""
    return f"{day.strftime('%A')} {day.day} {day.strftime('%b %Y')}"


def clock_time(timestamp, zone, with_zone=False):
    """The time of day in TIMEZONE, for a day's own page: "14:05"; on a clock change "02:30 CEST" and "02:30 CET"."""
    return datetime.datetime.fromtimestamp(timestamp, zone).strftime("%H:%M %Z" if with_zone else "%H:%M")


@dataclass(frozen=True)
class AutoRefresh:
    """An opt-in refresh: its form sends `minutes` to `here`, and each refresh loads `follow` (0 minutes: off)."""
    minutes: int
    here: str
    follow: str


REFRESH_CHOICES = {1: "every minute", 5: "every 5 minutes", 15: "every 15 minutes", 60: "every hour"}


class Pages:
    def __init__(self, settings, usual_capture_seconds, ready_in):
        """`ready_in(photo, now)`: the shutter's seconds until a press takes a new photo instead of `photo`."""
        self.settings = settings
        self.usual_capture_seconds = usual_capture_seconds
        self.ready_in = ready_in

    def render(self, name, **values):
        """A page whose bytes are all ASCII, anything else as a character reference: D.O.G.'s client needs it."""
        values.setdefault("auto_refresh", None)
        return self._template(name, **values).encode("ascii", "xmlcharrefreplace").decode("ascii")

    def _template(self, name, **values):
        return template(name, template_lookup=TEMPLATE_LOOKUP, site_title=self.settings.site_title,
                        version=__version__, moment=moment, temperature=self.temperature,
                        signed_in=signed_in(request.environ), day_words=day_words,
                        capture_seconds=self.capture_seconds, refresh_choices=REFRESH_CHOICES, **values)

    def local_day(self, timestamp):
        """The day in TIMEZONE a photo is on, for its link to that day's page."""
        return day_of(timestamp, self.settings.timezone)

    def capture_seconds(self):
        """How long a press usually takes, for the button's progress bar; 0 when there is no history yet."""
        usual = self.usual_capture_seconds()
        return 0 if usual is None else round(min(usual, self.settings.camera_timeout), 1)

    def temperature(self, celsius):
        return format_temperature(celsius, self.settings.temperature_unit)

    def home(self, photo, whose, reading, sparkline, trouble, auto_refresh=None, alert_notices=()):
        """`whose` names the photo shown: the visitor's own, or the latest one a newcomer is shown."""
        return self.render("home.tpl", photo=photo, whose=whose, reading=reading, sparkline=sparkline,
                           trouble=trouble, auto_refresh=auto_refresh, alert_notices=alert_notices)

    def login(self, target, sentence=None):
        return self.render("login.tpl", target=target, sentence=sentence)

    def photo(self, photo, older=None, newer=None, shared=False, auto_refresh=None, note=None):
        """`shared`: who took it, when a press in the dead time landed here; `note`: any other sentence."""
        note = self.shared_note(photo, shared) if shared else note
        return self.render("photo.tpl", photo=photo, older=older, newer=newer, shared=note, auto_refresh=auto_refresh,
                           day=self.local_day(photo.taken_at))

    def shared_note(self, photo, who):
        """Why a press showed an existing photo (`who` took it: "you" or "someone"), and when a new one can come.

        The age is rounded down and the wait up, from one clock reading, so the two add up to the dead time."""
        now = time.time()
        wait = math.ceil(self.ready_in(photo, now))
        age = max(0, math.floor(now - photo.taken_at))
        ready = f"A new one can be taken in {wait} s." if wait else "A new one can be taken now."
        return (f"{who.capitalize()} took this {age} s ago; the camera rests {self.settings.dead_time:g} s "
                f"between photos. {ready}")

    def gallery(self, photos, older, newer, camera=None):
        """`camera`: only that camera's photos, and the pager keeps to it."""
        return self.render("gallery.tpl", photos=photos, older=older, newer=newer, camera=camera)

    def days(self, days, older, newer):
        return self.render("days.tpl", days=days, older=older, newer=newer)

    def day(self, day, summary, timeline, svg, movie, older, newer):
        """One day's page: `timeline` its photos shown, `movie` the time-lapse's Movie or the sentence why none."""
        zone = self.settings.timezone
        start, end = bounds(day, zone)
        changes = end - start != 86400  # a 23- or 25-hour day: its times say which side of the change
        return self.render("day.tpl", day=day, summary=summary, timeline=timeline, svg=svg, movie=movie,
                           older=older, newer=newer, zone=zone.key, clock=lambda t: clock_time(t, zone, changes))

    def temperature_chart(self, shown, svg, summary, latest, camera=None):
        comfort = (self.settings.temperature_comfort_min, self.settings.temperature_comfort_max)
        return self.render("chart.tpl", shown=shown, svg=svg, summary=summary, latest=latest,
                           comfort=comfort, ranges=RANGE_WORDS.items(), camera=camera)

    def cameras_home(self, cameras):
        """An upstream server's home: each camera that pushes here, (camera, its latest photo or None)."""
        return self.render("cameras_home.tpl", cameras=cameras)

    def pending(self):
        return self.render("pending.tpl", refresh=1)

    def capture_failed(self, sentence, action="/snapshot"):
        """`action`: where Try again presses (a camera that pushes here has its own button)."""
        return self.render("capture_failed.tpl", sentence=sentence, action=action)

    def camera(self, name, photo, notice):
        """A camera that pushes here: its latest photo (or None), a notice (offline, say) and its button."""
        return self.render("camera.tpl", camera_name=name, photo=photo, notice=notice)

    def error(self, status, sentence=None):
        return self.render("error.tpl", status=status, title=STATUS_TITLES.get(status, "Error"),
                           sentence=sentence or STATUS_SENTENCES.get(status, STATUS_SENTENCES[500]))
