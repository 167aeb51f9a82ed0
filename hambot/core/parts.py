"""One configured hambot without its web app: what the server, `hambot capture` and the timers share."""

from . import alerts
from .budget import CaptureBudget
from .camera import Camera
from .daybook import DayBook
from .history import History
from .keysheet import KeySheet
from .movies import Movies
from .notify import Notifier, Sender, check_urls
from .password import ViewerPassword
from .ratelimit import FailureLimit
from .remote import Remotes
from .retention import Retention
from .secret_key import load_secret_key
from .settings import ConfigError
from .shutter import Shutter
from .store import Store, open_store
from .thermometer import Thermometer
from .tokens import Tokens
from .uploads import Uploads


def stamp_for(settings):
    """The stamp, or None with STAMP off; imported only when on, since Pillow's font and drawing modules (and
    FreeType with them) would otherwise sit in every process of the service for nothing."""
    if not settings.stamp:
        return None
    from .stamp import Stamp
    return Stamp.from_settings(settings)


class Parts:
    """The store, the probe, the shutter and the token book, opened for these settings."""

    def __init__(self, settings):
        self.settings = settings
        check_urls(settings.notify_urls)  # a bad URL stops start-up here, named by its position
        self.store = Store(settings.data_dir, settings.timezone)
        try:
            self.store.open()
        except OSError as error:
            raise ConfigError(f"DATA_DIR {settings.data_dir} cannot be used: {error.strerror}.") from None
        self.secret = load_secret_key(settings)
        self.daybook, self.movies = DayBook(self.store), Movies(settings.data_dir)
        self.alerts = alerts.Alerts(alerts.Rules.from_settings(settings), self.store.database)
        self.store.alerts = self.store.captures.alerts = self.alerts  # evaluated where captures are stored
        self.store.stamp = stamp_for(settings)
        self.store.pushing = settings.upstream_url is not None  # each own photo also queued for hambot push
        self.history = History(self.store.database, self.alerts, pushing=self.store.pushing)
        self.notifier, self.sender = Notifier(settings.notify_urls), None
        self.tokens = token_book(self.store, settings, self.secret)
        self.failures = FailureLimit(self.store.database, "token")
        self.login_failures = FailureLimit(self.store.database, "login")
        self.password = ViewerPassword(self.store.database)
        self.retention = Retention.from_settings(self.store, settings)
        self.uploads = Uploads(self.store, self.retention, settings.max_photo_bytes)
        self.remotes = Remotes(self.store.database)  # cameras that push here, and presses of their buttons
        self.thermometer = Thermometer(settings.temperature_sensor, settings.w1_devices_dir,
                                       settings.temperature_cache_seconds, settings.temperature_timeout)
        budget = CaptureBudget(self.store, settings.visitor_captures_per_hour, settings.captures_per_hour,
                               settings.token_captures_per_hour)
        self.shutter = Shutter(self.store, Camera.from_settings(settings), self.thermometer, self.retention,
                               settings.dead_time, max_waiters=settings.threads - 1, budget=budget)
        self.shutter.recover()

    def start_sender(self):
        """The alert sender, in this (forked) process: the server's is the one with the network."""
        if self.sender is None:
            self.sender = Sender(self.store, self.notifier, self.alerts).start()
        return self.sender


def open_tokens(settings):
    """The token book alone, for the command line: no camera, no sensor."""
    return token_book(open_store(settings.data_dir, settings.timezone), settings, load_secret_key(settings))


def token_book(store, settings, secret):
    return Tokens(store.database, KeySheet(settings.key_sheet_path), secret)
