"""The ceiling: a bare Bottle app returning one constant page, under hambot's own gunicorn settings.

Run by bench/live.py with the same HAMBOT_* environment as the hambot server it is compared with.
"""

import bottle

from hambot.server import GunicornServer
from hambot.settings import load_settings

PAGE = "<!doctype html><title>ceiling</title>" + "<p>A constant page about the size of hambot's home page.</p>" * 50


def ceiling_app():
    app = bottle.Bottle()
    app.route("/", callback=lambda: PAGE)
    app.route("/healthz", callback=lambda: "ok")
    return app


if __name__ == "__main__":
    GunicornServer(load_settings(), ceiling_app()).run()
