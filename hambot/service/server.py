"""hambot under gunicorn: threaded workers (hambot.service.worker) sized from the settings, the app built once in the master."""

import gc
import logging
import os

from gunicorn.app.base import BaseApplication

from ..web.app import create_app
from .logs import setup_logging
from .memory import fewer_malloc_arenas
from ..core.settings import ConfigError, load_settings

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def gunicorn_options(settings):
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    options = {
        "bind": f"{host}:{settings.port}",
        "worker_class": "hambot.service.worker.WholeRequestWorker",
        "workers": settings.workers,
        "threads": settings.threads,
        # A request may legitimately wait for a whole camera run; never kill a worker for it.
        "timeout": int(settings.camera_timeout + settings.temperature_timeout + 30),
        "graceful_timeout": int(settings.camera_timeout + 5),
        "keepalive": 5,
        "worker_connections": 256,  # well under the 1024 open files a service gets by default
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
    options["pre_fork"] = share_with_workers
    return options


def share_with_workers(arbiter, worker):
    """Before each fork: move what the master holds out of the collector's sight, so a collection in a worker
    never writes to (and so copies) the pages the master shares with it."""
    gc.collect()
    gc.freeze()


class GunicornServer(BaseApplication):
    """Any WSGI app under gunicorn with the options `settings` give (the benchmarks' ceiling uses it too)."""

    def __init__(self, settings, app):
        self.settings, self.app = settings, app
        super().__init__()

    def load_config(self):
        fewer_malloc_arenas()
        for name, value in gunicorn_options(self.settings).items():
            self.cfg.set(name, value)

    def load(self):
        return self.app


class HambotServer(GunicornServer):
    def __init__(self, settings):
        super().__init__(settings, create_app(settings))  # before gunicorn starts: a bad setting stops us here

    def load_config(self):
        super().load_config()
        self.cfg.set("post_worker_init", _start_sender)

    def reload(self):
        """On SIGHUP (systemctl reload): read the settings again; gunicorn then replaces the workers gracefully."""
        try:
            settings = load_settings()
            app = create_app(settings)
        except ConfigError as error:
            log.error("reload: kept the running settings, as the new ones are wrong: %s", error)
        else:
            setup_logging(settings)
            self.settings, self.app, self.callable = settings, app, None
            log.info("reload: settings read again; new workers start with them")
            warn_if_open(settings, app)
        super().reload()


def _start_sender(worker):
    """Each worker delivers alerts from a thread; claims in the outbox keep two workers from sending one twice."""
    worker.app.app.start_sender()


def warn_if_open(settings, app):
    if settings.host not in LOOPBACK and not app.password.is_set():
        log.warning("listening on %s with no viewer password: anyone who can reach it can see the photos and "
                    "press the button (set one with: hambot set-password)", settings.host)
    app.store.close()  # the master forks workers next; it hands them no open database


def serve(settings):
    server = HambotServer(settings)
    warn_if_open(settings, server.app)
    server.run()
