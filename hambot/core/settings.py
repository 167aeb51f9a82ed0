"""Every setting in one checked place: config.py defaults, then HAMBOT_CONFIG, then HAMBOT_* variables."""

import dataclasses
import math
import os
import re
import runpy
import socket
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .days import machine_zone

DEFAULTS_FILE = Path(__file__).parents[1] / "default_config.py"
ENV_PREFIX = "HAMBOT_"
SENSOR_ID = re.compile(r"(10|22|28|3b|42)-[0-9a-f]{12}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
CAMERA_TOOLS = ("rpicam-still", "libcamera-still", "fswebcam", "ffmpeg", "imagesnap", "test-pattern")
RESOLUTION = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")


class ConfigError(Exception):
    """A setting is wrong; the message is one sentence that names it."""


def _text(name, value):
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} must be a non-empty text, got {value!r}.")
    return value.strip()


def _number(name, value, kind, low, high, unit=""):
    if isinstance(value, bool):
        value = str(value)
    try:
        number = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or not low <= number <= high:
        if isinstance(value, str) and not value.strip():
            value = "nothing"
        limits = f"from {low:g} to {high:g}{unit}" if high != math.inf else f"of at least {low:g}{unit}"
        raise ConfigError(f"{name} must be a number {limits}, got {value!r}.")
    return number


def _integer(low, high):
    return lambda name, value: _number(name, value, int, low, high)


def _decimal(low, high=math.inf, unit=" seconds"):
    return lambda name, value: _number(name, value, float, low, high, unit)


def _choice(*options):
    def parse(name, value):
        text = str(value).strip().upper()
        if text not in options:
            raise ConfigError(f"{name} must be one of {', '.join(options)}, got {value!r}.")
        return text
    return parse


def _directory(name, value):
    return Path(_text(name, str(value) if isinstance(value, Path) else value)).expanduser().absolute()


def _executable(name, value):
    path = _directory(name, value)
    if not path.is_file():
        raise ConfigError(f"{name} is {path}, which does not exist.")
    if not os.access(path, os.X_OK):
        raise ConfigError(f"{name} is {path}, which is not executable (chmod +x {path}).")
    return path


def _secret_key(name, value):
    if value is None or (isinstance(value, str) and not value):
        return None
    if not isinstance(value, str) or len(value) < 32:
        raise ConfigError(f"{name} must be at least 32 characters long; leave it unset to have one generated.")
    return value


def _sensor(name, value):
    text = _text(name, value).lower()
    if text in ("auto", "none") or SENSOR_ID.fullmatch(text):
        return text
    raise ConfigError(
        f"{name} must be 'auto', 'none' or a sensor id such as 28-0316a2795aff, got {value!r}.")


def _optional(parse):
    """None (or an empty text) turns the setting off; anything else must pass `parse`."""
    def parse_optional(name, value):
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        return parse(name, value)
    return parse_optional


def _boolean(name, value):
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ConfigError(f"{name} must be True or False, got {value!r}.")


def _camera(name, value):
    text = _text(name, value).lower()
    if text != "auto" and text not in CAMERA_TOOLS:
        raise ConfigError(f"{name} must be 'auto' or one of {', '.join(CAMERA_TOOLS)}, got {value!r}.")
    return text


def _resolution(name, value):
    text = _text(name, value).lower()
    if not RESOLUTION.fullmatch(text):
        raise ConfigError(f"{name} must look like 1280x720 (width x height in pixels), got {value!r}.")
    return text


def _rotation(name, value):
    degrees = _number(name, value, int, 0, 270)
    if degrees % 90:
        raise ConfigError(f"{name} must be 0, 90, 180 or 270, got {value!r}.")
    return degrees


HOST_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def _host_names(name, value):
    """Extra names the site answers to: a list, or one text with the names separated by commas or spaces."""
    if value is None:
        return ()
    names = re.split(r"[,\s]+", value) if isinstance(value, str) else value
    if not isinstance(names, (list, tuple, set, frozenset)):
        raise ConfigError(f"{name} must be a list of host names such as [\"cam.example.org\"], got {value!r}.")
    found = []
    for entry in names:
        text = entry.strip().lower().rstrip(".") if isinstance(entry, str) else None
        if text == "":
            continue
        if text is None or len(text) > 253 or not HOST_NAME.fullmatch(text):
            raise ConfigError(f"{name} must hold host names such as cam.example.org, got {entry!r}.")
        found.append(text)
    return tuple(dict.fromkeys(found))


def _url_list(name, value):
    """Apprise URLs: a list, or one text with the URLs separated by spaces; Apprise checks each one later."""
    if value is None:
        return ()
    urls = value.split() if isinstance(value, str) else value
    if not isinstance(urls, (list, tuple)) or not all(isinstance(url, str) for url in urls):
        raise ConfigError(f"{name} must be a list of Apprise URLs such as [\"ntfy://my-topic\"].")
    return tuple(url.strip() for url in urls if url.strip())


def _public_url(name, value):
    text = _text(name, value).rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", text):
        raise ConfigError(f"{name} must be an address such as https://cam.example.org, got {value!r}.")
    return text


def _local_time(name, value):
    text = _text(name, str(value))
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", text)
    if not match:
        raise ConfigError(f"{name} must be a local time such as 19:00, got {value!r}.")
    return f"{int(match[1]):02d}:{match[2]}"


def _zone(name, value):
    """An IANA zone name such as Europe/Berlin; None (or "local") means the machine's own zone."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "local")):
        return machine_zone()
    if isinstance(value, ZoneInfo):
        return value
    text = _text(name, value)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} must be a time zone name such as Europe/Berlin, got {value!r}.") from None


CAMERA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def _camera_name(name, value):
    """This camera's name on an upstream server; the host name by default (its first label, as a name may be)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        host = socket.gethostname().split(".")[0]
        value = re.sub(r"[^A-Za-z0-9._-]", "-", host)[:32] or "hambot"
    text = str(value).strip()
    if not CAMERA_NAME.fullmatch(text):
        raise ConfigError(f"{name} must be 1 to 32 letters, digits, dots, dashes or underscores, starting with a "
                          f"letter or digit, got {value!r}.")
    return text


def _token_text(name, value):
    text = _text(name, value)
    if not (text.isascii() and text.isalpha() and text.isupper()):
        raise ConfigError(f"{name} must be a hambot token: one string of capital letters A to Z.")
    return text


def _setting(parse):
    return field(metadata={"parse": parse})


@dataclass(frozen=True)
class Settings:
    """The checked settings; field names are the lower-case setting names."""

    host: str = _setting(_text)
    port: int = _setting(_integer(1, 65535))
    workers: int = _setting(_integer(1, 32))
    threads: int = _setting(_integer(1, 64))
    data_dir: Path = _setting(_directory)
    camera_script: Path = _setting(_optional(_executable))
    camera: str = _setting(_camera)
    video_device: Path = _setting(_directory)
    resolution: str = _setting(_resolution)
    rotation: int = _setting(_rotation)
    hflip: bool = _setting(_boolean)
    vflip: bool = _setting(_boolean)
    autofocus: bool = _setting(_boolean)
    camera_timeout: float = _setting(_decimal(0.1, 600))
    dead_time: float = _setting(_decimal(0, 86400))
    visitor_captures_per_hour: int = _setting(_integer(1, 100000))
    captures_per_hour: int = _setting(_integer(1, 100000))
    token_captures_per_hour: int = _setting(_integer(1, 100000))
    max_photo_mb: float = _setting(_decimal(0.01, 1024, " MB"))
    max_photos: int = _setting(_optional(_integer(1, math.inf)))
    max_storage_mb: float = _setting(_optional(_decimal(1, math.inf, " MB")))
    min_free_mb: float = _setting(_decimal(0, math.inf, " MB"))
    secret_key: str = _setting(_secret_key)
    session_days: float = _setting(_decimal(0.01, 3650, " days"))
    trust_proxy: bool = _setting(_boolean)
    allowed_hosts: tuple = _setting(_host_names)
    site_title: str = _setting(_text)
    temperature_sensor: str = _setting(_sensor)
    w1_devices_dir: Path = _setting(_directory)
    temperature_unit: str = _setting(_choice("C", "F"))
    temperature_cache_seconds: float = _setting(_decimal(0, 3600))
    temperature_timeout: float = _setting(_decimal(0.1, 60))
    temperature_comfort_min: float = _setting(_optional(_decimal(-40, 80, " °C")))
    temperature_comfort_max: float = _setting(_optional(_decimal(-40, 80, " °C")))
    temperature_history_points: int = _setting(_integer(10, 10000))
    notify_urls: tuple = _setting(_url_list)
    public_url: str = _setting(_optional(_public_url))
    temperature_alert_minutes: float = _setting(_decimal(0, 10080, " minutes"))
    sensor_silent_minutes: float = _setting(_decimal(1, 10080, " minutes"))
    alert_remind_hours: float = _setting(_optional(_decimal(0.01, 8760, " hours")))
    daily_photo_at: str = _setting(_optional(_local_time))
    timezone: ZoneInfo = _setting(_zone)
    stamp: bool = _setting(_boolean)
    max_movies_mb: float = _setting(_optional(_decimal(1, math.inf, " MB")))
    key_sheet: Path = _setting(_optional(_directory))
    upstream_url: str = _setting(_optional(_public_url))
    upstream_token: str = _setting(_optional(_token_text))
    camera_name: str = _setting(_camera_name)
    log_level: str = _setting(_choice(*LOG_LEVELS))
    log_file: Path = _setting(_optional(_directory))

    @property
    def key_sheet_path(self):
        return self.key_sheet or self.data_dir / "enigma_keysheet.txt"

    @property
    def min_free_bytes(self):
        return int(self.min_free_mb * 1024 * 1024)

    @property
    def max_storage_bytes(self):
        return None if self.max_storage_mb is None else int(self.max_storage_mb * 1024 * 1024)

    @property
    def max_movies_bytes(self):
        return None if self.max_movies_mb is None else int(self.max_movies_mb * 1024 * 1024)

    @property
    def max_photo_bytes(self):
        return int(self.max_photo_mb * 1024 * 1024)

    def replace(self, **changes):
        """A copy with some settings changed and checked again."""
        raw = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        raw.update(changes)
        return _parse(raw)


NAMES = tuple(f.name.upper() for f in dataclasses.fields(Settings))


def _parse(raw):
    values = {}
    for f in dataclasses.fields(Settings):
        values[f.name] = f.metadata["parse"](f.name.upper(), raw[f.name])
    low, high = values["temperature_comfort_min"], values["temperature_comfort_max"]
    if low is not None and high is not None and low >= high:
        raise ConfigError(f"TEMPERATURE_COMFORT_MIN ({low:g}) must be below TEMPERATURE_COMFORT_MAX ({high:g}).")
    if (values["upstream_url"] is None) != (values["upstream_token"] is None):
        raise ConfigError("UPSTREAM_URL and UPSTREAM_TOKEN go together: set both to push to an upstream server, "
                          "or neither.")
    return Settings(**values)


def _read_file(path, what):
    try:
        found = runpy.run_path(str(path))
    except FileNotFoundError:
        raise ConfigError(f"{what} is {path}, which does not exist.") from None
    except SyntaxError as error:
        raise ConfigError(f"{path} line {error.lineno}: {error.msg}.") from None
    except Exception as error:  # a config file is user code: any failure is a config error
        raise ConfigError(f"{path} could not be read: {error}.") from None
    settings = {name: value for name, value in found.items() if name.isupper()}
    unknown = sorted(set(settings) - set(NAMES))
    if unknown:
        raise ConfigError(f"{path} sets {unknown[0]}, which is not a hambot setting.")
    return settings


def load_settings(environ=None):
    """Settings from config.py, the file named by HAMBOT_CONFIG, and HAMBOT_<NAME> variables."""
    environ = os.environ if environ is None else environ
    raw = _read_file(DEFAULTS_FILE, "The default config")
    missing = sorted(set(NAMES) - set(raw))
    if missing:
        raise ConfigError(f"The default config {DEFAULTS_FILE} does not set {missing[0]}.")
    user_file = environ.get(ENV_PREFIX + "CONFIG")
    if user_file:
        raw.update(_read_file(Path(user_file).expanduser(), "HAMBOT_CONFIG"))
    for name in NAMES:
        if ENV_PREFIX + name in environ:
            raw[name] = environ[ENV_PREFIX + name]
    return _parse({name.lower(): value for name, value in raw.items()})
