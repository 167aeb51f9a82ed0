"""The days: a list of days with photos, one day's timeline, chart and time-lapse, and the time-lapse's files."""

import datetime
import os

import bottle
from bottle import HTTPError, request, response

from . import chart
from .access import password_set, signed_in
from .pagecache import PageCache
from .responses import PAGE_CACHE, abort
from .views import day_words
from ..core.days import bounds
from ..core.daybook import day_cursor, shown_day
from ..core.movies import ffmpeg_missing

DAYS_PAGE = 30  # about a month a page
TIMELINE_MOST = 480  # photos on a day's page; more are shown evenly spread (every 3 minutes' worth)
TICK_HOURS = range(3, 24, 3)
RANGE_MISSING = "That part of the file does not exist."
MOVIE_CACHE = "no-cache"  # a day's time-lapse is made again as the day goes on: ask each time (ETag)


def add_routes(app, hambot, page):
    store, daybook, movies, settings = hambot.store, hambot.daybook, hambot.movies, hambot.settings
    lists = PageCache(store.generation)  # the list shows only the photos' counts, so it lasts a generation

    @app.get("/days")
    def day_list():
        response.set_header("Cache-Control", PAGE_CACHE)
        before, after = (cursor(name) for name in ("before", "after"))
        return lists.get((before, after, signed_in(request.environ)), lambda: render_list(before, after))

    def cursor(name):
        text = request.query.get(name)
        if text is None:
            return None
        if day_cursor(text) is None:
            abort(400, f"The address's {name} part is not a date such as 2026-03-29.")
        return text

    def render_list(before, after):
        days, has_older, has_newer = daybook.page(before=before, after=after, limit=DAYS_PAGE)
        return page.days(days, older=days[-1].day.isoformat() if has_older and days else None,
                         newer=days[0].day.isoformat() if has_newer and days else None)

    @app.get("/days/<day>")
    def one_day(day):
        day = known_day(day)
        response.set_header("Cache-Control", PAGE_CACHE)
        since, until = bounds(day, settings.timezone)
        svg, _ = chart.day_chart(hambot.history, since, until, ticks(day), settings.temperature_unit,
                                 (settings.temperature_comfort_min, settings.temperature_comfort_max),
                                 title=f"Temperature on {day_words(day)}")
        return page.day(day, daybook.get(day), timeline(daybook.photos(day)), svg, movie(day),
                        *daybook.neighbours(day))

    def known_day(text):
        day = shown_day(text)
        if day is None:
            abort(404, "There is no day with that address; days are written like 2026-03-29.")
        return day

    def ticks(day):
        zone = settings.timezone
        moments = (datetime.datetime.combine(day, datetime.time(hour), zone) for hour in TICK_HOURS)
        return [(moment.timestamp(), f"{moment.hour}:00") for moment in moments]

    def movie(day):
        """The time-lapse's addresses when its file exists, else the sentence why there is none."""
        if movies.exists(day):
            return {"url": f"/days/{day.isoformat()}/timelapse.mp4",
                    "poster": f"/days/{day.isoformat()}/poster.jpg" if movies.poster_path(day).is_file() else None}
        return ffmpeg_missing() or "There is no time-lapse of this day yet."

    @app.get("/days/<day>/timelapse.mp4")
    def timelapse(day):
        return movie_file(movies.path(known_day(day)), "video/mp4")

    @app.get("/days/<day>/poster.jpg")
    def poster(day):
        return movie_file(movies.poster_path(known_day(day)), "image/jpeg")

    def movie_file(path, content_type):
        """The file with ranges (206; a browser's video needs them) and revalidation, as Bottle serves it."""
        try:
            stat = os.stat(path)
        except OSError:
            abort(404, "There is no time-lapse of that day yet.")
        wanted = request.environ.get("HTTP_RANGE")
        if wanted and not list(bottle.parse_range_header(wanted, stat.st_size)):
            error = HTTPError(416, RANGE_MISSING, Content_Range=f"bytes */{stat.st_size}")
            error.sentence = RANGE_MISSING
            raise error
        private = "private, " if password_set(request.environ) else ""
        try:
            answer = bottle.static_file(path.name, root=str(path.parent), mimetype=content_type,
                                        etag=f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"',
                                        headers={"Cache-Control": private + MOVIE_CACHE})
        except FileNotFoundError:  # removed between the look and the open
            answer = None
        if answer is None or answer.status_code == 404:
            abort(404, "There is no time-lapse of that day yet.")
        return answer

def timeline(photos):
    """The photos a day's page shows: all of them, or TIMELINE_MOST evenly spread; and how many there were."""
    most = TIMELINE_MOST
    if len(photos) <= most:
        return photos, len(photos)
    step = len(photos) / most
    return [photos[int(n * step)] for n in range(most)], len(photos)
