"""Fixtures: fake cameras and a fake 1-Wire bus on disk, the app in-process, and the real server."""

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import webtest

from hambot.web.app import create_app
from hambot.core.camera import CapturedImage
from hambot.core.keysheet import write_key_sheet
from hambot.core.settings import load_settings
from hambot.core.store import open_store
from hambot.core.thermometer import Reading

ROOT = Path(__file__).resolve().parents[1]
CAMERAS = Path(__file__).with_name("cameras")
SENSOR_ID = "28-000005e2fdc3"


class FakeW1Bus:
    """The sysfs tree the w1_therm kernel driver writes, for the real w1thermsensor to read.

    As Linux 5.10 and later behave (drivers/w1/slaves/w1_therm.c, drivers/w1/w1.c): a good read is two lines;
    a failed conversion (no presence pulse, a bad checksum five times) reads empty; an unplugged probe's folder
    stays, reading empty, until the bus search (every 10 s) has missed it slave_ttl (10) times, then goes.
    Kernels before 5.10 printed "crc=.. NO" instead (crc_ok=False).
    """

    def __init__(self, root):
        self.root = root
        root.mkdir()

    def add_sensor(self, sensor_id=SENSOR_ID, celsius=23.125, crc_ok=True):
        count = round(celsius * 16) & 0xFFFF  # 12-bit two's complement, 1/16 °C steps
        data = f"{count & 0xFF:02x} {count >> 8:02x} 4b 46 7f ff 0c 10 1c"
        folder = self.root / sensor_id
        folder.mkdir(exist_ok=True)
        (folder / "w1_slave").write_text(
            f"{data} : crc=1c {'YES' if crc_ok else 'NO'}\n{data} t={round(celsius * 1000)}\n")

    def fail_conversion(self, sensor_id=SENSOR_ID):
        (self.root / sensor_id / "w1_slave").write_text("")

    def unplug(self, sensor_id=SENSOR_ID):
        """Pulled out: the kernel keeps its folder for about 100 s, and every read of it is empty."""
        self.fail_conversion(sensor_id)

    def remove_sensor(self, sensor_id=SENSOR_ID):
        """The bus search has given the probe up (or it was never there): its folder goes."""
        (self.root / sensor_id / "w1_slave").unlink()
        (self.root / sensor_id).rmdir()


class CameraRuns:
    """What the fake cameras report: one line (their pid and process group) per run."""

    def __init__(self, folder):
        self.log = folder / "camera-runs.log"
        self.release_file = folder / "camera-release"

    def pids(self):
        return [int(line) for line in self.log.read_text().split()] if self.log.exists() else []

    def count(self):
        return len(self.pids())

    def release(self):
        self.release_file.touch()

    def wait_for_runs(self, count, timeout=20):
        wait_until(lambda: self.count() >= count, timeout)
        return self.count()


def live_processes_in_group(pgid):
    """Pids of processes in group pgid that are still running (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def wait_until(condition, timeout):
    """Poll `condition` until it holds or `timeout` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while not (held := condition()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return held


def wait_until_gone(pgid, timeout=5):
    wait_until(lambda: not live_processes_in_group(pgid), timeout)
    return live_processes_in_group(pgid)


@pytest.fixture
def w1(tmp_path):
    bus = FakeW1Bus(tmp_path / "w1")
    bus.add_sensor()
    return bus


@pytest.fixture
def camera_runs(tmp_path, monkeypatch):
    runs = CameraRuns(tmp_path)
    monkeypatch.setenv("FAKE_CAMERA_LOG", str(runs.log))
    monkeypatch.setenv("FAKE_CAMERA_RELEASE", str(runs.release_file))
    return runs


def settings_environ(tmp_path, w1, camera, overrides):
    environ = {
        "HAMBOT_DATA_DIR": str(tmp_path / "data"),
        "HAMBOT_CAMERA_SCRIPT": str(CAMERAS / camera),
        "HAMBOT_W1_DEVICES_DIR": str(w1.root),
        "HAMBOT_LOG_LEVEL": "DEBUG",
        "HAMBOT_MIN_FREE_MB": "1",  # the suite runs on machines with little disk too
        "HAMBOT_PORT": str(free_port()),  # hambot doctor asks a server on PORT, so never another test's
        # The suite presses far more often than a visitor may; test_budget.py sets the budgets it tests.
        "HAMBOT_VISITOR_CAPTURES_PER_HOUR": "100000", "HAMBOT_CAPTURES_PER_HOUR": "100000",
        "HAMBOT_TOKEN_CAPTURES_PER_HOUR": "100000",
    }
    environ.update({f"HAMBOT_{name.upper()}": str(value) for name, value in overrides.items()})
    return environ


@pytest.fixture
def make_settings(tmp_path, w1):
    def make(camera="ok.sh", **overrides):
        return load_settings(settings_environ(tmp_path, w1, camera, overrides))
    return make


@pytest.fixture
def make_app(make_settings, camera_runs):
    def make(camera="ok.sh", **overrides):
        return create_app(make_settings(camera, **overrides))
    return make


@pytest.fixture
def web(make_app):
    """The app in-process behind WebTest, with the good fake camera."""
    return webtest.TestApp(make_app())


@pytest.fixture
def hambot(tmp_path, w1, camera_runs):
    """Runs the real `hambot` command with the test's settings; .settings() gives the same settings in-process."""
    def run(*args, camera="ok.sh", input=None, **overrides):
        environ = dict(settings_environ(tmp_path, w1, camera, overrides), HAMBOT_LOG_LEVEL="WARNING")
        return run_hambot(args, environ, cwd=tmp_path, input=input)
    run.settings = lambda **overrides: load_settings(settings_environ(tmp_path, w1, "ok.sh", overrides))
    return run


def run_hambot(args, environ, cwd=None, input=None):
    """The real `hambot` command, with `environ` on top of this process's environment."""
    return subprocess.run([sys.executable, "-m", "hambot", *args], env=dict(os.environ, **environ), cwd=cwd,
                          capture_output=True, text=True, timeout=60, input=input)


def add_photo(store, celsius=21.5, source="test", sample="sample.jpg", data=None, seconds=0.0):
    """Store a copy of a sample image (or `data`, a JPEG) as if the camera had just taken it in `seconds`."""
    path = store.temp_path(Path(sample).suffix)
    data = (CAMERAS / sample).read_bytes() if data is None else data
    path.write_bytes(data)
    content_type = "image/png" if sample.endswith(".png") else "image/jpeg"
    image = CapturedImage(path, content_type, 160, 120, len(data), 0.0)
    return store.add(image, reading=Reading(celsius, 0), source=source, started_at=time.time() - seconds)


def issue_token(app, name="phone", lifetime=86400, **grant):
    """A token from the app's own token book (with `scopes`, `camera` if given), writing the key sheet first."""
    if not app.settings.key_sheet_path.exists():
        write_key_sheet(app.settings.key_sheet_path)
    return app.tokens.issue(name, lifetime, **grant)


def noisy_jpeg(size=(400, 300), seed=1):
    """A real JPEG of random pixels: about 100 kB at 400x300, larger than any form (MAX_BODY is 64 kB)."""
    import io
    import random
    from PIL import Image
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=95)
    return out.getvalue()


def spoil_signature(value):
    """The value with one character of its signature changed, and not the last: a base64 signature's last
    character carries padding bits, so changing it may leave the signature's bytes, and its validity, as they were."""
    at = len(value) - 5
    return value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1:]


@pytest.fixture
def small_disk(tmp_path):
    """DATA_DIR on a real 4 MB file system, so free space is what the test makes it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; CI runs as root")
    mount = tmp_path / "data"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(folder, leave_bytes):
    """Write a ballast file so that about `leave_bytes` stay free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    (folder / "ballast").write_bytes(b"\0" * max(0, free - leave_bytes))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raw_request(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class RunningServer:
    """`hambot serve` (gunicorn) in its own process, on a free port; `command` runs another server instead."""

    def __init__(self, tmp_path, environ, command=(sys.executable, "-m", "hambot", "serve"), port=None,
                 name="server"):
        """`port` to start again where an earlier one listened; `name` names its log, for several at once."""
        self.port = port or free_port()
        self.log_path = tmp_path / f"{name}.log"
        environ = {**os.environ, **environ, "HAMBOT_PORT": str(self.port), "HAMBOT_HOST": "127.0.0.1"}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(list(command), env=environ,
                                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"hambot serve exited early:\n{self.log()}")
            try:
                if self.request("GET", "/healthz")[0] in (200, 503):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"hambot serve did not answer within {timeout} s:\n{self.log()}")

    def request(self, method, path, headers=None, timeout=30, body=None):
        """(status, headers, body) of one request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.headers, answer.read()
        finally:
            connection.close()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_server(tmp_path, w1, camera_runs):
    servers = []

    def start(camera="ok.sh", environ=None, port=None, name="server", **overrides):
        """`environ` adds to the server's own environment (a world's PATH, say)."""
        environ = {**(environ or {}), **settings_environ(tmp_path, w1, camera, overrides)}
        environ["HAMBOT_LOG_LEVEL"] = "INFO"
        server = RunningServer(tmp_path, environ, port=port, name=name)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def pytest_terminal_summary(terminalreporter, config):
    folder = getattr(config, "hambot_screenshots", None)
    if folder:
        terminalreporter.write_line(f"Screenshots of the pages: {folder}")


class Pair:
    """An upstream server with no camera, and a Pi's settings pointing at it with its own token."""

    def __init__(self, tmp_path, w1, hambot, start_server, camera_name="pi", token_camera="pi"):
        self.tmp_path, self.w1, self.hambot, self.start_server = tmp_path, w1, hambot, start_server
        self.upstream_settings = {"data_dir": tmp_path / "upstream", "camera_script": "none"}
        self.upstream = start_server(name="upstream", **self.upstream_settings)
        hambot("keysheet", "new", **self.upstream_settings)
        issued = hambot("token", "issue", "--name", "pi-token", "--scope", "upload", "--camera", token_camera,
                        **self.upstream_settings)
        assert issued.returncode == 0, issued.stderr
        self.pi = {"data_dir": tmp_path / "pi", "upstream_url": f"http://127.0.0.1:{self.upstream.port}",
                   "upstream_token": issued.stdout.strip(), "camera_name": camera_name, "dead_time": 0}
        self.pushers = []

    def start_pusher(self):
        environ = {**os.environ, **settings_environ(self.tmp_path, self.w1, "ok.sh", self.pi),
                   "HAMBOT_LOG_LEVEL": "INFO"}
        with open(self.tmp_path / "push.log", "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "hambot", "push"], env=environ, cwd=self.tmp_path,
                                       stdout=log, stderr=subprocess.STDOUT)
        self.pushers.append(process)
        return process

    def push_log(self):
        return (self.tmp_path / "push.log").read_text(errors="replace")

    def capture(self, count=1):
        for _ in range(count):
            done = self.hambot("capture", **self.pi)
            assert done.returncode == 0, done.stderr

    def pi_photos(self):
        """The Pi's own photos, oldest first."""
        return list(reversed(open_store(self.pi["data_dir"]).page(limit=100)[0]))

    def upstream_photos(self):
        status, _, body = self.upstream.request("GET", "/api/v1/photos?limit=100")
        assert status == 200, body
        return list(reversed(json.loads(body)["photos"]))

    def arrived(self, count):
        return wait_until(lambda: len(self.upstream_photos()) >= count, 30)

    def went_offline(self, seconds_ago=300):
        """The pusher, and with it the long poll, gone; the upstream told it went `seconds_ago`. Its "HH:MM"."""
        self.stop()
        time.sleep(0.5)  # for the upstream to see the poll end
        with sqlite3.connect(self.tmp_path / "upstream" / "hambot.sqlite3") as db:
            db.execute("UPDATE cameras SET last_seen = ?", (time.time() - seconds_ago,))
        return time.strftime("%H:%M", time.localtime(time.time() - seconds_ago))

    def restart_upstream(self):
        self.upstream.stop()
        self.upstream = self.start_server(name="upstream", port=self.upstream.port, **self.upstream_settings)

    def stop(self):
        for process in self.pushers:
            if process.poll() is None:
                process.terminate()
                process.wait(10)


@pytest.fixture
def pushing_pair(tmp_path, w1, hambot, start_server):
    """An upstream server and a Pi's `hambot push` holding its long poll open to it: the camera's page is up."""
    made = Pair(tmp_path, w1, hambot, start_server)
    try:
        made.start_pusher()
        assert wait_until(lambda: made.upstream.request("GET", "/cameras/pi")[0] == 200, 20), made.push_log()
        yield made
    finally:
        made.stop()
