"""The temperature chart page: 24 hours, 7 days or 30 days, drawn on the server."""

from bottle import request, response

from . import chart
from .responses import PAGE_CACHE, abort, camera_param
from ..core import alerts


def add_routes(app, hambot, page):
    settings = hambot.settings

    def episodes(since, until):
        return [(a.started_at, a.ended_at, a.sentence) for a in alerts.between(hambot.store.database, since, until)]

    @app.get("/temperature")
    def temperature():
        response.set_header("Cache-Control", PAGE_CACHE)
        shown = request.query.get("range", "24h")
        if shown not in chart.RANGES:
            abort(400, "The address's range part must be 24h, 7d or 30d.")
        comfort = (settings.temperature_comfort_min, settings.temperature_comfort_max)
        camera = camera_param()
        history = hambot.history.of_camera(camera) if camera else hambot.history
        marks = episodes if camera is None else (lambda since, until: ())  # the alerts are this hambot's own
        svg, summary = chart.range_chart(history, shown, settings.temperature_unit, comfort, marks)
        return page.temperature_chart(shown, svg, summary, history.latest(), camera)
