"""The pet cam's own pages: home, the button and its pending page, a photo's page and its bytes, the latest photo."""

import re
import time
from urllib.parse import parse_qsl

from bottle import request, response

from . import chart
from .access import signed_in
from .cookies import COOKIE_NAME, MAX_AGE
from .image_files import split_image_name
from .pagecache import PageCache
from .responses import (PAGE_CACHE, abort, auto_refresh, client_address, int_param, page_response, photo_bytes,
                        refresh_minutes, require_same_origin, see_other, set_cookie)
from ..core import alerts
from ..core.budget import in_words
from ..core.health import camera_trouble

LEGACY_QUERY = "get image"  # D.O.G.'s "/?get+image=..." bookmarks
SHARED_OWN = "?shared=yours"  # a press in the dead time that landed on the photo the visitor took
PENDING_PATH = "/snapshots/pending"
CAMERA_PENDING = re.compile(r"/cameras/[^/]+/pending")  # web/cameras.py: waits for a camera that pushes here
LONG_POLL = re.compile(r"/api/v1/cameras/[^/]+/presses")  # a pushing camera's long poll, held up to 25 s
PENDING_WAIT = 4  # seconds the pending page waits for the capture before it answers "still taking a photo"


def is_legacy_press(path, query_string):
    """D.O.G.'s "/?get+image=get+image": only a non-empty value takes a photo, and the answer waits for it."""
    return path in ("/", "/index") and any(
        name == LEGACY_QUERY and value for name, value in parse_qsl(query_string, keep_blank_values=True))


def waits_on_camera(method, path, query_string):
    """Whether a request's thread may wait on the camera: the legacy press, and the pending page, which waits
    for the capture it follows (the worker keeps a thread free of these for page views)."""
    if method != "GET":
        return False
    return (path == PENDING_PATH or is_legacy_press(path, query_string) or CAMERA_PENDING.fullmatch(path) is not None
            or LONG_POLL.fullmatch(path) is not None)


def add_routes(app, hambot, page):
    store, shutter, settings = hambot.store, hambot.shutter, hambot.settings
    photo_pages = PageCache(store.generation, size=64)  # a photo's page changes only with the photos around it
    home_pages = PageCache(store.generation)  # the same photo, reading, curve and notices make the same page

    def visitor_photo():
        return store.get(hambot.cookie.verify(request.get_cookie(COOKIE_NAME)))

    def answer(shot, *, legacy=False):
        """Turn a press's outcome into the page the visitor lands on."""
        if shot.refused:
            return refused(shot)
        if shot.error:
            return page_response(shot.status, page.capture_failed(shot.error))
        if shot.photo is None:
            return see_other(f"{PENDING_PATH}?after={shot.wait_after}&since={int(time.time())}")
        mine = visitor_photo()
        own = shot.reused and mine is not None and mine.id == shot.photo.id  # pressed again on their own photo
        set_cookie(COOKIE_NAME, hambot.cookie.sign(shot.photo.id), MAX_AGE)
        if legacy:
            return page.photo(shot.photo)
        return see_other(f"/photos/{shot.photo.id}" + (SHARED_OWN if own else "?shared=1" if shot.reused else ""))

    def refused(shot):
        """429: the latest photo, with why the camera did not run and when it will."""
        wait = shot.refused.retry_after
        if shot.photo is None:
            sentence = f"{shot.refused.sentence} A photo can be taken in {in_words(wait)}."
            return page_response(429, page.capture_failed(sentence), Retry_After=str(wait))
        note = f"{shot.refused.sentence} Here is the latest photo; a new one can be taken in {in_words(wait)}."
        return page_response(429, page.photo(shot.photo, *store.neighbours(shot.photo), note=note),
                             Retry_After=str(wait))

    @app.get("/")
    @app.get("/index")
    def home():
        response.set_header("Cache-Control", PAGE_CACHE)
        if is_legacy_press(request.path, request.query_string):
            return answer(shutter.press("legacy", wait=True, client=client_address()), legacy=True)
        if settings.camera_script is None:  # an upstream server: the cameras that push here are its home
            return page.cameras_home([(camera, store.latest_of(camera.name)) for camera in hambot.remotes.cameras()])
        refresh = auto_refresh("/", "/")
        own = None if refresh.minutes else visitor_photo()  # auto-refresh follows the newest photo
        whose = "Your last photo" if own else "The newest photo" if refresh.minutes else "The latest photo"
        sparkline = chart.sparkline_for(hambot.history, settings.temperature_unit, page.temperature)
        notices = tuple(alerts.notice(alert, settings.temperature_unit) for alert in alerts.ongoing(store.database)
                        if alert.kind in alerts.TEMPERATURE_KINDS)  # the camera and the disk have their own notice
        shown = (own or store.latest(), whose, hambot.thermometer.current(), sparkline, camera_trouble(store))
        return home_pages.get((*shown, refresh, notices, signed_in(request.environ)),
                              lambda: page.home(*shown, auto_refresh=refresh, alert_notices=notices))

    @app.post("/snapshot")
    def snapshot():
        require_same_origin()
        return answer(shutter.press("button", client=client_address()))

    @app.get(PENDING_PATH)
    def pending():
        response.set_header("Cache-Control", PAGE_CACHE)
        after, since = int_param("after"), int_param("since")
        too_long = time.time() - since > settings.camera_timeout * 2 + 10
        shot = shutter.outcome_after(after) if too_long else shutter.outcome_within(after, PENDING_WAIT)
        if shot is not None:
            return answer(shot)
        if too_long:
            return page_response(503, page.capture_failed("The camera is still busy; please press again."))
        return page.pending()

    @app.get("/photos/<name>")
    def photo(name):
        photo_id, suffix = split_image_name(name)
        found = store.get(photo_id)  # None for anything that is not a well-formed, known id
        if found is None or suffix not in ("", "." + found.extension):
            abort(404, "There is no photo with that address.")
        if not suffix:
            response.set_header("Cache-Control", PAGE_CACHE)
            shared = {"1": "someone", "yours": "you"}.get(request.query.get("shared"))  # the dead time gave it
            refresh = auto_refresh(f"/photos/{found.id}", "/latest")
            render = lambda: page.photo(found, *store.neighbours(found), shared=shared, auto_refresh=refresh)  # noqa: E731
            if shared:
                return render()  # says how long ago it was taken, so it is made anew each time
            return photo_pages.get((found.id, refresh.minutes, signed_in(request.environ)), render)
        return photo_bytes(store.path_of(found), found.content_type, found.id)

    @app.get("/latest")
    def latest_photo():
        """The newest photo's page, which an auto-refreshing photo page moves on to."""
        response.set_header("Cache-Control", PAGE_CACHE)
        minutes = refresh_minutes()
        newest = store.latest()
        query = f"?refresh={minutes}" if minutes else ""
        return see_other(f"/photos/{newest.id}{query}" if newest else f"/{query}")

    @app.get("/photos/<photo_id>/thumb.jpg")
    def thumbnail(photo_id):
        found = store.get(photo_id)
        path = found and store.thumbnail(found)
        if path is None:
            abort(404, "There is no thumbnail at that address.")
        return photo_bytes(path, "image/jpeg", f"{found.id}-thumb")
