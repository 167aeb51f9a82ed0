"""The dead time and coalescing: one camera run for presses close together, whatever the outcome."""

import fcntl
import os
import signal
import subprocess
import threading
import time

from conftest import CAMERAS, live_processes_in_group


def press_together(app, camera_runs, count, source="button"):
    """Press `count` times at once; release the held camera only when every press is under way."""
    started = threading.Semaphore(0)
    real = app.store.captures.last_seq

    def counted():  # the first thing a press does
        value = real()
        started.release()
        return value

    app.store.captures.last_seq = counted
    shots = [None] * count

    def press(i):
        shots[i] = app.shutter.press(source)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for _ in range(count):
        assert started.acquire(timeout=20)
    assert camera_runs.wait_for_runs(1) == 1
    camera_runs.release()
    for thread in threads:
        thread.join(timeout=30)
    app.store.captures.last_seq = real
    return [resolve(app, shot) for shot in shots]


def resolve(app, shot, timeout=20):
    """Follow a press told to wait, as the pending page does."""
    deadline = time.monotonic() + timeout
    while shot.wait_after is not None and time.monotonic() < deadline:
        time.sleep(0.05)
        shot = app.shutter.outcome_after(shot.wait_after) or shot
    return shot


def test_a_press_within_the_dead_time_gets_the_last_photo(make_app, camera_runs):
    app = make_app(dead_time=60)
    first = app.shutter.press("button")
    second = app.shutter.press("button")
    assert (first.reused, second.reused) == (False, True)
    assert second.photo == first.photo
    assert camera_runs.count() == 1


def test_a_press_after_the_dead_time_takes_a_new_photo(make_app, camera_runs):
    app = make_app(dead_time=0)
    first = app.shutter.press("button")
    second = app.shutter.press("button")
    assert first.photo.id != second.photo.id
    assert camera_runs.count() == 2


def test_twenty_concurrent_presses_cause_one_camera_run_and_share_its_photo(make_app, camera_runs):
    app = make_app("held.sh", dead_time=0, threads=4)
    shots = press_together(app, camera_runs, 20)
    assert camera_runs.count() == 1
    assert {shot.photo.id for shot in shots} == {app.store.latest().id}
    assert sum(not shot.reused for shot in shots) == 1


def test_concurrent_presses_share_a_failure_and_the_next_press_tries_again(make_app, camera_runs):
    app = make_app("held_fails.sh", dead_time=0)
    shots = press_together(app, camera_runs, 5)
    assert camera_runs.count() == 1
    assert {shot.error for shot in shots} == {
        "The camera script exited with status 1: my-camera: the lens cover is closed"}
    assert app.shutter.press("button").error
    assert camera_runs.count() == 2


def test_a_failed_capture_stores_nothing(make_app, camera_runs):
    app = make_app("writes_garbage.sh")
    shot = app.shutter.press("button")
    assert shot.error == "The camera produced something that is not a JPEG or PNG image."
    assert app.store.latest() is None
    assert list(app.store.photos_dir.iterdir()) == []
    assert list(app.store.temp_dir.iterdir()) == []


def test_the_temperature_is_read_while_the_camera_runs(make_app, camera_runs, w1):
    app = make_app("held.sh", dead_time=0)
    reading_started = threading.Event()
    real_read = app.thermometer.read

    def read():
        reading_started.set()
        return real_read()

    app.thermometer.read = read
    presser = threading.Thread(target=lambda: app.shutter.press("button"))
    presser.start()
    assert reading_started.wait(timeout=20)
    assert camera_runs.wait_for_runs(1) == 1  # and the camera is still held
    camera_runs.release()
    presser.join(timeout=30)
    assert app.store.latest().temperature_c == 23.125


def test_a_photo_is_stored_without_temperature_when_the_sensor_fails(make_app, camera_runs, w1):
    w1.add_sensor(crc_ok=False)
    photo = make_app().shutter.press("button").photo
    assert photo.temperature_c is None
    assert "checksum (CRC)" in photo.temperature_note


def test_start_up_removes_files_of_an_interrupted_capture(make_app, tmp_path, camera_runs):
    app = make_app()
    leftover = app.store.temp_path(".jpg")
    leftover.write_bytes(b"half a photo")
    make_app()
    assert not leftover.exists()


def test_start_up_leaves_a_running_capture_alone(make_app, camera_runs):
    app = make_app()
    running = app.store.temp_path(".jpg")
    running.write_bytes(b"being written")
    fd = os.open(app.shutter.lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a capture in another process holds it
        make_app()
    finally:
        os.close(fd)
    assert running.exists()


def test_a_camera_left_running_by_a_crash_before_its_pid_was_written_is_stopped_at_start(make_app, camera_runs):
    """kill -9 between starting the camera and writing camera.pid: the orphan would later write into tmp/."""
    app = make_app("held.sh")
    orphan = subprocess.Popen([str(CAMERAS / "held.sh"), str(app.store.temp_path(".jpg"))],
                              start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        assert camera_runs.wait_for_runs(1) == 1
        assert not app.shutter.pid_path.exists()
        make_app("held.sh")  # the restarted server
        assert orphan.wait(timeout=5) == -signal.SIGKILL
        assert live_processes_in_group(orphan.pid) == []
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()
