"""Trying to break the real server: camera and sensor faults, kill -9 fifty times, and 200 clients at once."""

import os
import random
import re
import sqlite3
import threading
import time
from collections import Counter

import pytest
from PIL import Image

from conftest import SENSOR_ID, live_processes_in_group, wait_until
from hambot.core.store import Store
from test_crash_and_reload import kill_9

PHOTO_LOCATION = re.compile(r"^/photos/([A-Za-z0-9_-]{12})(\?shared=1)?$")


def photo_id_of(headers):
    match = PHOTO_LOCATION.match(headers.get("Location", ""))
    return match and match[1]


def assert_store_is_whole(data_dir):
    """Every indexed photo is a complete image, no file is unindexed, no temp file is left, SQLite is sound."""
    store = Store(data_dir)
    assert store.audit() == ([], [])
    assert list((data_dir / "tmp").iterdir()) == []
    assert sqlite3.connect(store.db_path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for photo in store.page(limit=10_000)[0]:
        with Image.open(store.path_of(photo)) as image:
            image.load()  # decodes every byte: a half-written file fails here
    return store


CAMERA_FAULTS = {
    "fails.sh": "the lens cover is closed",  # the owner's own camera script fails
    "hangs.sh": "did not answer within 2 s",
    "hangs_ignoring_term.sh": "did not answer within 2 s",
    "writes_empty.sh": "produced an empty file",
    "writes_truncated.sh": "produced a damaged image",
    "writes_huge.sh": "more than the 1.0 MB limit",
    "chatty.sh": "the last line",
}


@pytest.mark.parametrize("fault", list(CAMERA_FAULTS) + ["leaves_child.sh"])
def test_a_camera_fault_gives_a_clear_error_stores_nothing_leaves_no_process_and_the_next_capture_works(
        start_server, camera_runs, tmp_path, monkeypatch, fault):
    monkeypatch.setenv("FAKE_CAMERA_FAULT", fault)
    monkeypatch.setenv("FAKE_CAMERA_STATE", str(tmp_path / "faulted"))
    server = start_server("fault_once.sh", dead_time=0, camera_timeout=2, max_photo_mb=1)
    status, headers, body = server.request("POST", "/snapshot")
    group = camera_runs.pids()[0]
    if fault == "leaves_child.sh":  # a good photo, but the child it left must not live on
        assert status == 303 and photo_id_of(headers)
    else:
        assert status == 503
        assert CAMERA_FAULTS[fault] in body.decode(), body.decode()[-600:]
        assert Store(tmp_path / "data").totals() == (0, 0)
    assert wait_until(lambda: not live_processes_in_group(group), 5), "a camera process was left running"
    status, headers, _ = server.request("POST", "/snapshot")
    assert status == 303 and photo_id_of(headers), "the capture after the fault did not work"
    assert_store_is_whole(tmp_path / "data")


def press_and_time(server):
    started = time.monotonic()
    status, headers, _ = server.request("POST", "/snapshot")
    return status, photo_id_of(headers), time.monotonic() - started


SENSOR_FAULTS = {  # how the fault shows in the sysfs tree, and the words the photo's page then has
    "crc": (lambda w1: w1.add_sensor(crc_ok=False), "failed its checksum (CRC)"),  # kernels before 5.10
    "reset": (lambda w1: w1.add_sensor(celsius=85.0), "reported 85 °C"),
    "underpowered": (lambda w1: w1.add_sensor(celsius=127.9375), "reported 127.94 °C"),
    "empty": (lambda w1: w1.fail_conversion(), "gave no answer"),  # 5.10 and later
    "gone": (lambda w1: w1.remove_sensor(), "no temperature sensor was found"),
}


@pytest.mark.parametrize("fault", SENSOR_FAULTS)
def test_a_sensor_fault_never_stops_a_photo(start_server, w1, tmp_path, fault):
    make_fault, problem = SENSOR_FAULTS[fault]
    make_fault(w1)
    server = start_server(dead_time=0, temperature_cache_seconds=0)
    status, photo_id, seconds = press_and_time(server)
    assert status == 303 and photo_id
    assert seconds < 2, "the sensor fault held the photo up"
    photo = Store(tmp_path / "data").get(photo_id)
    assert photo.temperature_c is None and problem.lower() in photo.temperature_note.lower()


def test_a_sensor_that_disappears_between_two_readings_and_comes_back(start_server, w1, tmp_path):
    server = start_server(dead_time=0, temperature_cache_seconds=0)
    store = Store(tmp_path / "data")
    readings = []
    for step in ("present", "unplugged", "given up", "back"):
        if step == "unplugged":
            w1.unplug()
        elif step == "given up":
            w1.remove_sensor()
        elif step == "back":
            w1.add_sensor(celsius=19.5)
        status, photo_id, _ = press_and_time(server)
        assert status == 303
        readings.append(store.get(photo_id).temperature_c)
    assert readings == [pytest.approx(23.125), None, None, pytest.approx(19.5)]


def test_a_sensor_that_takes_5_s_to_answer_does_not_delay_the_photo(start_server, w1, tmp_path):
    """The kernel's read blocks until the sensor answers; a FIFO blocks the same way until it is written."""
    w1_slave = w1.root / SENSOR_ID / "w1_slave"
    good = w1_slave.read_text()
    w1_slave.unlink()
    os.mkfifo(w1_slave)
    answer_later = threading.Timer(5, lambda: w1_slave.write_text(good))
    answer_later.start()
    try:
        server = start_server(dead_time=0, temperature_timeout=1)
        status, photo_id, seconds = press_and_time(server)
        assert status == 303 and photo_id
        assert seconds < 2.5, f"the photo waited {seconds:.1f} s for a slow sensor"
        assert "did not answer within 1 s" in Store(tmp_path / "data").get(photo_id).temperature_note
    finally:
        answer_later.join()


def test_kill_9_at_fifty_random_moments_of_capturing_never_leaves_a_broken_store(
        start_server, camera_runs, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CAMERA_SECONDS", "0.15")
    data_dir, random_moment = tmp_path / "data", random.Random(20261121)
    stored = 0
    for _ in range(50):
        server = start_server("slow.sh", dead_time=0, workers=1)
        store = assert_store_is_whole(data_dir)  # checked after each restart cleaned up
        assert store.totals()[0] >= stored, "a photo that was stored went missing"
        stored = store.totals()[0]
        stop = threading.Event()
        pressing = threading.Thread(target=keep_pressing, args=(server, stop), daemon=True)
        pressing.start()
        time.sleep(random_moment.uniform(0.05, 0.6))
        kill_9(server)
        stop.set()
        pressing.join()
    server = start_server("slow.sh", dead_time=0, workers=1)
    assert_store_is_whole(data_dir)
    assert server.request("POST", "/snapshot")[0] == 303
    assert stored >= 10, "too few photos were stored between kills for this to mean much"
    for pid in camera_runs.pids():
        assert wait_until(lambda: not live_processes_in_group(pid), 5), "a camera script outlived the crashes"


def keep_pressing(server, stop):
    while not stop.is_set():
        try:
            server.request("POST", "/snapshot", timeout=5)
        except OSError:
            return


def test_200_clients_for_60_s_get_no_5xx_lose_no_photo_and_the_camera_runs_once_per_dead_time(
        start_server, camera_runs, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CAMERA_SECONDS", "0.3")
    dead_time = 2
    server = start_server("slow.sh", dead_time=dead_time, workers=2)
    first = server.request("POST", "/snapshot")[1]
    seen, statuses, lock = set(), Counter(), threading.Lock()
    deadline = time.monotonic() + 60

    def client(n):
        rng = random.Random(n)
        while time.monotonic() < deadline:
            roll = rng.random()
            with lock:
                known = rng.choice(sorted(seen)) if seen else photo_id_of(first)
            if roll < 0.1:
                status, headers, _ = server.request("POST", "/snapshot", timeout=60)
                if photo_id_of(headers):
                    with lock:
                        seen.add(photo_id_of(headers))
            elif roll < 0.4:
                status = server.request("GET", f"/photos/{known}.jpg", timeout=60)[0]
            else:
                path = rng.choice(["/", f"/photos/{known}", "/photos", "/temperature", "/api/v1/photos"])
                status = server.request("GET", path, timeout=60)[0]
            with lock:
                statuses[status] += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(200)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()

    assert not [s for s in statuses if s >= 500], statuses
    assert sum(statuses.values()) > 2000, statuses
    store = assert_store_is_whole(tmp_path / "data")
    photos = store.page(limit=10_000)[0]
    assert {p.id for p in photos} >= seen, "a photo someone was sent to is not in the store"
    assert len(photos) == camera_runs.count(), "a camera run stored no photo, or one stored two"
    times = sorted(p.taken_at for p in photos)
    assert all(b - a >= dead_time - 0.05 for a, b in zip(times, times[1:])), "two camera runs in one dead time"
    assert len(photos) >= 60 / (dead_time + 0.3 + 1) / 2, "presses stopped reaching the camera"
