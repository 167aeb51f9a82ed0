"""hambot under gunicorn: gthread workers sized from the settings, the app built once in the master."""

import logging
import os

from gunicorn.app.base import BaseApplication

from .app import create_app

log = logging.getLogger(__name__)


def gunicorn_options(settings):
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    options = {
        "bind": f"{host}:{settings.port}",
        "worker_class": "gthread",
        "workers": settings.workers,
        "threads": settings.threads,
        # A request may legitimately wait for a whole camera run; never kill a worker for it.
        "timeout": int(settings.camera_timeout + settings.temperature_timeout + 30),
        "graceful_timeout": int(settings.camera_timeout + 5),
        "keepalive": 5,
        "preload_app": True,  # workers share the master's pages: less memory on a Pi
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "proc_name": "hambot",
        "control_socket_disable": True,
        "forwarded_allow_ips": "",  # trust no X-Forwarded-* header
    }
    if os.path.isdir("/dev/shm"):
        options["worker_tmp_dir"] = "/dev/shm"  # heartbeat files off the SD card
    return options


class HambotServer(BaseApplication):
    def __init__(self, settings):
        self.settings = settings
        self.app = create_app(settings)  # before gunicorn starts, so a bad setting stops us here
        super().__init__()

    def load_config(self):
        for name, value in gunicorn_options(self.settings).items():
            self.cfg.set(name, value)

    def load(self):
        return self.app


def serve(settings):
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s: anyone who can reach this address can see the photos", settings.host)
    HambotServer(settings).run()
