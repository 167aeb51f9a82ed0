"""Alerts through the real server and command line: start-up checks, a killed sender, a service that hangs."""

import collections
import os
import signal
import sqlite3
import time
from pathlib import Path

from conftest import wait_until
from receivers import Blackhole, JsonReceiver


def undelivered(tmp_path):
    with sqlite3.connect(tmp_path / "data" / "hambot.sqlite3") as db:
        return db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]


def worker_pids(server):
    pid = server.process.pid
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_bad_url_stops_start_up_with_a_sentence_that_names_its_position_not_its_secret(hambot):
    urls = "json://127.0.0.1:9/hook foo://hunter2@example.org"
    for command in (["serve"], ["check-config"], ["capture"]):
        result = hambot(*command, NOTIFY_URLS=urls)
        assert result.returncode == 2
        assert result.stderr.strip() == ("hambot: NOTIFY_URLS: the second URL (foo://) is not one Apprise can use; "
                                         "check it against the Apprise wiki for its service.")
        assert "hunter2" not in result.stderr + result.stdout


def test_notify_test_sends_the_latest_photo_to_every_url_and_says_which_worked(hambot, tmp_path):
    hook = JsonReceiver()
    dead = JsonReceiver()
    dead.down()
    try:
        assert hambot("capture").returncode == 0
        result = hambot("notify", "test", NOTIFY_URLS=f"{hook.url()} {dead.url()}")
    finally:
        hook.down()
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "✓ the first URL (json://) took the test message"
    assert lines[1] == "✗ The second URL did not take the message."
    assert lines[2] == "1 of 2 URL(s) worked."
    [post] = hook.posts
    assert post["attachments"][0]["mimetype"] == "image/jpeg"


def test_temperature_record_raises_the_alert_without_the_network_and_the_server_delivers_it(hambot, start_server,
                                                                                            w1, tmp_path):
    hook = JsonReceiver()
    settings = dict(NOTIFY_URLS=hook.url(), TEMPERATURE_ALERT_MINUTES=0, TEMPERATURE_COMFORT_MAX=24)
    try:
        w1.add_sensor(celsius=26.5)
        assert hambot("temperature", "--record", **settings).returncode == 0
        assert undelivered(tmp_path) == 1 and hook.posts == []
        listed = hambot("alerts", **settings).stdout
        assert "Too warm" in listed and "ongoing" in listed and "1 of 1 message(s) waiting" in listed
        start_server(**settings)
        assert wait_until(lambda: hook.posts, 20)
    finally:
        hook.down()
    assert "Too warm: 26.5 °C" in hook.posts[0]["message"]
    assert wait_until(lambda: undelivered(tmp_path) == 0, 10)
    assert "1 message(s) delivered" in hambot("alerts", **settings).stdout


def test_a_sender_killed_mid_queue_delivers_every_alert_once_and_only_the_one_cut_mid_send_twice(
        hambot, start_server, w1, tmp_path):
    hook = JsonReceiver(delay=1.0)
    urls = " ".join(f"json://127.0.0.1:{hook.port}/hook/{n}" for n in range(6))  # one alert: six messages
    settings = dict(NOTIFY_URLS=urls, TEMPERATURE_ALERT_MINUTES=0, TEMPERATURE_COMFORT_MAX=24, WORKERS=1)
    try:
        w1.add_sensor(celsius=27)
        assert hambot("temperature", "--record", **settings).returncode == 0
        server = start_server(**settings)
        for _ in range(3):
            assert hook.arrived.acquire(timeout=20)
        in_flight = hook.posts[-1]["path"]  # the receiver holds it for a second: the sender is mid-send
        [worker] = worker_pids(server)
        os.kill(worker, signal.SIGKILL)
        assert wait_until(lambda: undelivered(tmp_path) == 0, 40), server.log()
    finally:
        hook.down()
    counts = collections.Counter(post["path"] for post in hook.posts)
    assert set(counts) == {f"/hook/{n}" for n in range(6)}
    # The one cut mid-send came once more (its delivery was never marked); every other message exactly once.
    assert counts == {**{f"/hook/{n}": 1 for n in range(6)}, in_flight: 2}, counts


def test_a_service_that_hangs_never_slows_a_page_or_a_capture(start_server, tmp_path):
    hole = Blackhole()
    try:
        server = start_server(NOTIFY_URLS=hole.url(), TEMPERATURE_ALERT_MINUTES=0, TEMPERATURE_COMFORT_MIN=10,
                              TEMPERATURE_COMFORT_MAX=20, DEAD_TIME=0)
        assert server.request("POST", "/snapshot")[0] == 303  # 23.1 °C: too warm at once
        db = sqlite3.connect(tmp_path / "data" / "hambot.sqlite3")
        assert wait_until(lambda: db.execute("SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL"
                                             " AND delivered_at IS NULL").fetchone()[0], 10)
        for method, path, status in (("GET", "/", 200), ("POST", "/snapshot", 303), ("GET", "/healthz", 200),
                                     ("GET", "/api/v1/alerts", 200)):
            began = time.monotonic()
            assert server.request(method, path)[0] == status
            assert time.monotonic() - began < 2, f"{method} {path} waited on the hung service"
        assert db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0] >= 1
        db.close()
    finally:
        hole.close()
