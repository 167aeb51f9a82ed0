"""The ceiling: a bare Bottle app returning one constant page, under hambot's own gunicorn settings.

With `--stock` it runs under stock gunicorn's gthread worker instead of hambot's (every other setting the same:
workers, threads, access log), so that the worker's own cost shows beside the app's.

At /file it sends the file CEILING_FILE names (the photo hambot serves in the same run) as plainly as Bottle
can: what a photo of that size costs in Python here, before any of hambot's own work.

Run by bench/live.py with the same HAMBOT_* environment as the hambot server it is compared with.
"""

import os
import sys

import bottle

from hambot.service.server import GunicornServer
from hambot.core.settings import load_settings

PAGE = "<!doctype html><title>ceiling</title>" + "<p>A constant page about the size of hambot's home page.</p>" * 50


def send_file():
    path = os.environ["CEILING_FILE"]
    return bottle.HTTPResponse(open(path, "rb"), Content_Type="image/jpeg", Content_Length=os.path.getsize(path))


def ceiling_app():
    app = bottle.Bottle()
    app.route("/", callback=lambda: PAGE)
    app.route("/file", callback=send_file)
    app.route("/healthz", callback=lambda: "ok")
    return app


class StockServer(GunicornServer):
    def load_config(self):
        super().load_config()
        self.cfg.set("worker_class", "gthread")


if __name__ == "__main__":
    server = StockServer if "--stock" in sys.argv[1:] else GunicornServer
    sys.argv[1:] = []  # gunicorn reads the command line too
    server(load_settings(), ceiling_app()).run()
