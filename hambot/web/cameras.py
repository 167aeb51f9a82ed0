"""The pages of cameras that push here (an upstream server): each one's latest photo, and its button, which
reaches the camera through its long poll (core/remote.py) rather than a camera of this server's own."""

import time
from datetime import datetime

from bottle import response

from .cookies import COOKIE_NAME, MAX_AGE
from .responses import PAGE_CACHE, abort, int_param, page_response, require_same_origin, see_other, set_cookie
from ..core.tokens import NAME_PATTERN

PENDING_WAIT = 4  # seconds the pending page waits for the camera's photo before it answers "still taking"


def add_routes(app, hambot, page):
    store, remotes, settings = hambot.store, hambot.remotes, hambot.settings

    def known(name):
        camera = remotes.camera(name) if NAME_PATTERN.fullmatch(name) else None
        if camera is None:
            abort(404, "No camera by that name pushes to this server.")
        return camera

    def offline_sentence(camera):
        since = remotes.offline_since(camera)
        if since is None:
            return "The camera has not connected yet."
        return f"The camera has been offline since {datetime.fromtimestamp(since, settings.timezone):%H:%M}."

    def camera_page(camera, notice=None, status=200):
        body = page.camera(camera.name, store.latest_of(camera.name), notice)
        return page_response(status, body)

    @app.get("/cameras/<name>")
    def camera(name):
        found = known(name)
        return camera_page(found, None if found.online() else offline_sentence(found) + " Here is its latest photo.")

    @app.post("/cameras/<name>/snapshot")
    def snapshot(name):
        require_same_origin()
        found = known(name)
        if not found.online():
            return camera_page(found, offline_sentence(found) + " Its button cannot reach it; here is its latest "
                                                                "photo.", status=503)
        press = remotes.press(name)
        return see_other(f"/cameras/{name}/pending?press={press}&since={int(time.time())}")

    @app.get("/cameras/<name>/pending")
    def pending(name):
        response.set_header("Cache-Control", PAGE_CACHE)
        found, number, since = known(name), int_param("press"), int_param("since")
        press = remotes.outcome_within(number, PENDING_WAIT)
        if press is None or press.camera != name:
            abort(404, "There is no such press of this camera's button.")
        retry = f"/cameras/{name}/snapshot"
        if press.photo_id and store.get(press.photo_id):
            set_cookie(COOKIE_NAME, hambot.cookie.sign(press.photo_id), MAX_AGE)
            return see_other(f"/photos/{press.photo_id}")
        if press.finished_at is not None:
            return page_response(503, page.capture_failed(press.error or "The camera sent no photo.", action=retry))
        if not found.online():
            return camera_page(found, offline_sentence(found) + " Here is its latest photo.", status=503)
        if time.time() - since > settings.camera_timeout * 2 + 10:
            return page_response(503, page.capture_failed("The camera did not send its photo in time; please press "
                                                          "again.", action=retry))
        return page.pending()
