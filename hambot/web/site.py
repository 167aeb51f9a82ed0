"""What every site has: /healthz for monitors, static files, the manifest, the favicon and the error pages."""

import json
from pathlib import Path

import bottle
from bottle import request, response

from . import views
from .api import PREFIX as API_PREFIX
from .api import APIError, error_body, iso, reply, require_token
from .responses import abort
from ..core.health import health_report

STATIC_DIR = Path(__file__).with_name("static")
ERROR_STATUSES = (400, 401, 403, 404, 405, 413, 416, 429, 500, 503, 507)


def add_routes(app, hambot, page):
    @app.get("/healthz")
    def healthz():
        status, body = health_report(hambot, iso, full=may_see_details())
        return reply(body, status)

    def may_see_details():
        """Those who may look at the pages, or hold a valid token; a stranger learns only whether things are well."""
        if hambot.access.viewer(request.environ).may_look:
            return True
        if not request.environ.get("HTTP_AUTHORIZATION"):
            return False
        try:
            return bool(require_token(hambot, "read"))
        except APIError:  # a monitor with a bad token still learns whether things are well
            return False

    @app.get("/static/<filename>")
    def static(filename):
        if filename not in views.STATIC_FILES:
            abort(404, "There is no such file.")
        return bottle.static_file(filename, root=str(STATIC_DIR), headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/manifest.webmanifest")
    def manifest():
        response.set_header("Content-Type", "application/manifest+json")
        response.set_header("Cache-Control", "public, max-age=86400")
        return json.dumps(views.manifest(hambot.settings.site_title))

    @app.get("/favicon.ico")
    def favicon():
        return static("favicon.svg")

    def error_page(error):
        sentence = getattr(error, "sentence", None)
        if request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX:
            response.set_header("Content-Type", "application/json")
            response.set_header("Cache-Control", "no-store")
            return error_body(error.status_code, sentence or views.STATUS_SENTENCES.get(
                error.status_code, views.STATUS_SENTENCES[500]))
        return page.error(error.status_code, sentence)

    for status in ERROR_STATUSES:
        app.error(status)(error_page)
