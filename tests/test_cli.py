"""`hambot capture` and `hambot temperature`: the same path as the button, from the command line."""

from pathlib import Path

import webtest

from hambot.web.app import create_app


def test_capture_stores_a_photo_and_prints_its_id_and_file(hambot, camera_runs):
    done = hambot("capture", "--source", "schedule")
    assert done.returncode == 0, done.stderr
    photo_id, path = done.stdout.split()[:2]
    assert Path(path).read_bytes()[:3] == b"\xff\xd8\xff"
    photo = create_app(hambot.settings()).store.get(photo_id)
    assert photo.source == "schedule" and photo.temperature_c == 23.125
    assert camera_runs.count() == 1


def test_capture_within_the_dead_time_shares_the_photo_instead_of_running_the_camera(hambot, camera_runs):
    first = hambot("capture").stdout.split()[0]
    again = hambot("capture")
    assert again.returncode == 0 and again.stdout.split()[0] == first and "dead time" in again.stdout
    assert camera_runs.count() == 1


def test_a_failing_camera_exits_non_zero_with_its_sentence(hambot):
    done = hambot("capture", camera="fails.sh")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("hambot: The camera script exited with status 1")
    assert "Traceback" not in done.stderr


def test_temperature_prints_the_reading_and_records_it_when_asked(hambot):
    done = hambot("temperature", "--record")
    assert done.returncode == 0 and done.stdout.startswith("23.1 °C from 28-000005e2fdc3")
    body = webtest.TestApp(create_app(hambot.settings())).get("/api/v1/temperature/history").json
    assert [(r["celsius"], r["source"]) for r in body["readings"]] == [(23.125, "schedule")]


def test_temperature_without_a_sensor_says_why(hambot, w1):
    w1.remove_sensor()
    done = hambot("temperature")
    assert done.returncode == 1 and "No temperature sensor was found" in done.stderr


def test_a_bad_source_is_refused_by_the_parser(hambot):
    done = hambot("capture", "--source", "../x")
    assert done.returncode == 2 and "source" in done.stderr
