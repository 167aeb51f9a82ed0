"""`hambot doctor`: each check passes, fails with the fix to make, or says it does not apply here and passes."""

import grp
import http.client
import json
import os
import pwd
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.camera import TEST_PATTERN, Camera, CameraError, no_camera_found
from ..core.camera_devices import CAMERA_NODES
from ..core.movies import ffmpeg_missing
from ..core.retention import Retention
from ..core.secret_key import load_secret_key
from ..core.settings import ConfigError, load_settings
from ..core.shutter import camera_lock, camera_lock_path
from ..core.password import ViewerPassword
from ..web.sessions import SESSION_COOKIE, SessionCookie
from ..core.store import Store
from ..core.thermometer import Thermometer, format_temperature

PI_MODEL = Path("/proc/device-tree/model")
SERVICE_WAIT = 3  # seconds hambot serve may take to answer /healthz before doctor runs the camera itself
SENSIBLE_CELSIUS = (-30, 60)  # an enclosure outside this is a wiring fault, not weather


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str
    fix: str = ""
    warning: bool = False  # passes, but something optional is missing (shown with a !, with its fix)


def run_checks(environ=None):
    """Yield each Check as it completes; the later ones need the settings, so a bad config stops there."""
    try:
        settings = load_settings(environ)
    except ConfigError as error:
        yield Check(False, f"The config does not load: {error}", "Correct that setting, then run hambot doctor again.")
        return
    source = (environ or os.environ).get("HAMBOT_CONFIG") or "the defaults in config.py"
    yield Check(True, f"The config loads ({source}).")
    store = Store(settings.data_dir, settings.timezone)
    yield _data_folder(store, settings)
    yield _database(store)
    yield _secret_key(settings)
    yield _camera(store, settings)
    yield _sensor(settings)
    yield _ffmpeg()
    yield from _devices()


def _data_folder(store, settings):
    try:
        store.open()
        probe = store.temp_path(".doctor")
        probe.write_bytes(b"ok")
        probe.unlink()
    except (OSError, sqlite3.Error) as error:
        return Check(False, f"The data folder {settings.data_dir} is not writable: {error}.",
                     f"Give it to the user running hambot: sudo chown -R {_user()} {settings.data_dir}")
    free = Retention.from_settings(store, settings).free_bytes()
    if free < settings.min_free_bytes:
        return Check(False, f"The data folder {settings.data_dir} has {free >> 20} MB free, below MIN_FREE_MB "
                            f"({settings.min_free_mb:g} MB).",
                     "Free some space, lower MAX_PHOTOS or MAX_STORAGE_MB, then run: hambot prune")
    return Check(True, f"The data folder {settings.data_dir} is writable, with {free >> 20} MB free.")


def _database(store):
    try:
        result = store.database.connection().execute("PRAGMA integrity_check").fetchone()[0]
        missing, strays = store.audit()
    except (OSError, sqlite3.Error) as error:
        return Check(False, f"The index {store.db_path} cannot be read: {error}.",
                     "Restore it from a backup, or move it away to start a new, empty index.")
    if result != "ok":
        return Check(False, f"The index {store.db_path} is damaged: {result}.",
                     f"Back it up, then: sqlite3 {store.db_path} '.recover' > recovered.sql")
    if missing:
        return Check(False, f"The index lists {len(missing)} photo(s) whose file is missing, such as {missing[0]}.",
                     "Remove them with the API's DELETE /api/v1/photos/<id>, or restore the files.")
    if strays:
        return Check(False, f"{len(strays)} file(s) in {store.photos_dir} are not in the index, such as {strays[0]}.",
                     f"Move them out of {store.photos_dir}; hambot does not show or prune them.")
    count, _ = store.totals()
    return Check(True, f"The index passes its integrity check and matches the {count} photo file(s).")


def _secret_key(settings):
    if settings.secret_key:
        return Check(True, "SECRET_KEY is set in the config.")
    path = settings.data_dir / "secret_key"
    try:
        load_secret_key(settings)
    except ConfigError as error:
        return Check(False, str(error), f"chmod 600 {path}")
    except OSError as error:
        return Check(False, f"The secret key file {path} cannot be read: {error.strerror}.",
                     f"Give it to the user running hambot: sudo chown {_user()} {path}")
    return Check(True, f"The secret key file {path} is readable by its owner only.")


def _camera(store, settings):
    """Through the running service when there is one, so its sandbox (DeviceAllow, groups) is part of the check."""
    if settings.camera_script is None:
        return Check(True, "CAMERA_SCRIPT is None: this hambot has no camera of its own (an upstream server).")
    service = _running_service(settings)
    if service is not None:
        return _camera_in_service(store, settings, service)
    return _camera_here(store, settings)


def _camera_here(store, settings):
    camera = Camera.from_settings(settings)
    path = store.temp_path(".jpg")
    try:
        with camera_lock(camera_lock_path(store)):  # waits for a capture the server may be running
            started = time.monotonic()
            image = camera.capture(path)
    except CameraError as error:
        return Check(False, f"The camera script {settings.camera_script} failed: {error}",
                     f"Run it by hand to see more: {settings.camera_script} /tmp/test.jpg")
    finally:
        path.unlink(missing_ok=True)
    made = (f"The camera script made a {image.width}×{image.height} {image.content_type.split('/')[1].upper()}"
            f"{f' with {image.tool}' if image.tool else ''} in {time.monotonic() - started:.1f} s "
            f"(CAMERA_TIMEOUT is {settings.camera_timeout:g} s; hambot serve is not running, so this ran outside "
            "its sandbox).")
    return _judge(settings, image.tool, image.note, made)


def _camera_in_service(store, settings, base):
    """Ask the running server to press the button, then read what its camera run left in the index."""
    seen = store.captures.last_seq()
    try:
        status = _press(base, store, settings)
    except OSError as error:
        return Check(False, f"hambot serve is running but did not take a photo: {error}.",
                     "See its log: journalctl -u hambot -n 50")
    capture = store.captures.after(seen) or store.captures.latest()  # within the dead time it shares the last one
    if capture is None:
        return Check(False, f"hambot serve answered {status} but recorded no camera run.",
                     "See its log: journalctl -u hambot -n 50")
    if capture.photo_id is None:
        return Check(False, f"hambot serve's camera failed, inside its sandbox: {capture.error}",
                     "See its log for the tool's own words: journalctl -u hambot -n 50")
    photo = store.get(capture.photo_id)
    size = f"{photo.width}×{photo.height} " if photo else ""
    made = (f"hambot serve took a {size}photo{f' with {capture.camera_tool}' if capture.camera_tool else ''}, "
            "inside its sandbox.")
    return _judge(settings, capture.camera_tool, capture.note, made)


def _judge(settings, tool, note, made):
    if no_camera_found(tool, settings.camera):
        return Check(False, f"{note or 'No camera was found.'} Every photo would be hambot's test pattern.",
                     "Connect the camera: for a Pi camera check the ribbon cable, then run rpicam-still "
                     "--list-cameras; for a webcam, ls /dev/video*. Or set CAMERA = \"test-pattern\" to mean it.")
    if note:
        return Check(False, f"{made} {note}",
                     "Set RESOLUTION to a size the camera offers (v4l2-ctl --list-formats-ext lists a webcam's).")
    if tool == TEST_PATTERN:
        return Check(True, f"{made} CAMERA is test-pattern, so every photo is the test pattern, as set.")
    return Check(True, made)


def _running_service(settings):
    """The base address of a hambot answering on HOST:PORT, or None."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host
    connection = http.client.HTTPConnection(host, settings.port, timeout=SERVICE_WAIT)
    try:
        connection.request("GET", "/healthz")
        body = json.loads(connection.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    return (host, settings.port) if isinstance(body, dict) and "version" in body else None


def _press(base, store, settings):
    """POST /snapshot as the page's button does, signed in with a session cookie made from the secret key."""
    headers = {"Sec-Fetch-Site": "same-origin", "Content-Length": "0"}
    generation = ViewerPassword(store.database).generation()
    if generation is not None:
        cookie = SessionCookie(load_secret_key(settings), 120).sign(generation)
        headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    connection = http.client.HTTPConnection(*base, timeout=settings.camera_timeout + 10)
    try:
        connection.request("POST", "/snapshot", headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except http.client.HTTPException as error:
        raise OSError(str(error)) from None
    finally:
        connection.close()


def _sensor(settings):
    if settings.temperature_sensor == "none":
        return Check(True, "No temperature sensor is configured (TEMPERATURE_SENSOR is none); skipped.")
    if settings.temperature_sensor == "auto" and not settings.w1_devices_dir.is_dir() and not _pi_model():
        return Check(True, f"There is no 1-Wire bus ({settings.w1_devices_dir}) on this machine; the sensor check "
                           "does not apply.")
    reading = Thermometer(settings.temperature_sensor, settings.w1_devices_dir, 0,
                          settings.temperature_timeout).fresh()
    if reading.celsius is None:
        return Check(False, f"The temperature sensor gave no reading: {reading.problem}",
                     "Check the probe's wiring and that dtoverlay=w1-gpio is in /boot/firmware/config.txt.")
    shown = format_temperature(reading.celsius, settings.temperature_unit)
    low, high = SENSIBLE_CELSIUS
    if not low <= reading.celsius <= high:
        return Check(False, f"The sensor {reading.sensor_id} reads {shown}, which no enclosure should be.",
                     "Check the probe sits in the enclosure and its wires are sound.")
    return Check(True, f"The sensor {reading.sensor_id} reads {shown}.")


def _ffmpeg():
    """A time-lapse is optional, so a missing ffmpeg is a warning, never a failure."""
    missing = ffmpeg_missing()
    if missing:
        return Check(True, missing, "Only the time-lapse needs it; everything else works without it.", warning=True)
    return Check(True, "ffmpeg is installed, so hambot timelapse can make each day's movie.")


def _devices(dev=Path("/dev")):
    """The nodes libcamera and V4L2 open (camera_devices), and whether this user may open each."""
    nodes = sorted(node for pattern in CAMERA_NODES for node in dev.glob(pattern))
    if not nodes:
        if _pi_model():
            yield Check(False, f"There is no camera device in {dev} (no video*, media* or dma_heap/*).",
                        "Check the camera's cable or plug the webcam in; a Pi camera also needs camera_auto_detect=1 "
                        "in /boot/firmware/config.txt.")
        else:
            yield Check(True, f"There is no camera device in {dev} on this machine; the device check does not apply.")
    else:
        closed = [str(node) for node in nodes if not os.access(node, os.R_OK | os.W_OK)]
        if closed:
            yield Check(False, f"{_user()} cannot open {', '.join(closed[:6])}{' ...' if len(closed) > 6 else ''}.",
                        f"sudo usermod -aG video {_user()} (then restart hambot: sudo systemctl restart hambot)")
        else:
            kinds = sorted({node.relative_to(dev).parts[0].rstrip("0123456789") for node in nodes})
            yield Check(True, f"{_user()} can open the camera's {len(nodes)} device node(s) ({', '.join(kinds)}).")
    yield _pi_groups()


def _pi_model():
    try:
        model = PI_MODEL.read_text(errors="replace").strip("\0\n ")
    except OSError:
        return None
    return model if "Raspberry Pi" in model else None


def _pi_groups():
    model = _pi_model()
    if model is None:
        return Check(True, "This is not a Raspberry Pi; the video and gpio group check does not apply.")
    mine = {grp.getgrgid(gid).gr_name for gid in os.getgroups()} | {grp.getgrgid(os.getgid()).gr_name}
    missing = [group for group in ("video", "gpio") if group not in mine]
    if missing:
        return Check(False, f"{_user()} is not in the {' and '.join(missing)} group(s).",
                     f"sudo usermod -aG {','.join(missing)} {_user()}")
    return Check(True, f"{_user()} is in the video and gpio groups on this {model}.")


def _user():
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())
