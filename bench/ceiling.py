"""The ceiling: a bare Bottle app returning one constant page, under hambot's own gunicorn settings.

Run by bench/live.py with the same HAMBOT_* environment as the hambot server it is compared with.
"""

import bottle
from gunicorn.app.base import BaseApplication

from hambot.server import gunicorn_options
from hambot.settings import load_settings

PAGE = "<!doctype html><title>ceiling</title>" + "<p>A constant page about the size of hambot's home page.</p>" * 50


class Ceiling(BaseApplication):
    def __init__(self):
        self.settings = load_settings()
        self.app = bottle.Bottle()
        self.app.route("/", callback=lambda: PAGE)
        self.app.route("/healthz", callback=lambda: "ok")
        super().__init__()

    def load_config(self):
        for name, value in gunicorn_options(self.settings).items():
            self.cfg.set(name, value)

    def load(self):
        return self.app


if __name__ == "__main__":
    Ceiling().run()
