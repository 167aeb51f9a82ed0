"""The real `hambot serve`: gunicorn with two of hambot's threaded workers, driven over HTTP like a browser."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import CAMERAS, wait_until
from hambot.web.app import create_app
from hambot.core.settings import load_settings

LOCATION = re.compile(r"/photos/([A-Za-z0-9_-]{12})")


def land(server, method, path, headers=None, timeout=60):
    """Follow redirects and the self-refreshing 'taking a photo' page as a browser would."""
    deadline = time.monotonic() + timeout
    status, answer, body = server.request(method, path, headers)
    while time.monotonic() < deadline:
        if status == 303:
            path = answer["Location"]
            status, answer, body = server.request("GET", path, headers)
        elif status == 200 and b'http-equiv="refresh"' in body:
            time.sleep(0.2)
            status, answer, body = server.request("GET", path, headers)
        else:
            return status, path, body
    raise AssertionError(f"{path} did not settle within {timeout} s")


def image_src(body):
    return re.search(rb'id="image-data" src="([^"]+)"', body)[1].decode()


def test_the_whole_flow_through_gunicorn(start_server, camera_runs):
    server = start_server()
    status, _, body = server.request("GET", "/")
    assert status == 200 and b"No photo yet" in body and b"Get snapshot" in body
    status, headers, _ = server.request("POST", "/snapshot")
    assert status == 303
    photo_id = LOCATION.fullmatch(headers["Location"])[1]
    cookie = headers["Set-Cookie"].split(";")[0]
    status, _, page = server.request("GET", f"/photos/{photo_id}")
    assert status == 200 and image_src(page) == f"/photos/{photo_id}.jpg"
    status, headers, data = server.request("GET", f"/photos/{photo_id}.jpg")
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    assert data == (CAMERAS / "sample.jpg").read_bytes()
    status, _, home = server.request("GET", "/", {"Cookie": cookie})
    assert image_src(home) == f"/photos/{photo_id}.jpg"
    assert camera_runs.count() == 1


def test_twenty_visitors_pressing_at_once_across_two_workers_share_one_photo(start_server, camera_runs):
    server = start_server("held.sh", workers=2, threads=2, dead_time=0)
    with ThreadPoolExecutor(20) as pool:
        presses = [pool.submit(land, server, "POST", "/snapshot") for _ in range(20)]
        assert camera_runs.wait_for_runs(1) == 1
        # Every press must reach the server while the camera is busy: at most one per worker
        # waits on the camera, the others are already answered with the pending page.
        wait_until(lambda: server.log().count('"POST /snapshot') >= 18, timeout=30)
        time.sleep(1)
        camera_runs.release()
        landed = [press.result() for press in presses]
    assert {status for status, _, _ in landed} == {200}
    assert len({path.removesuffix("?shared=1") for _, path, _ in landed}) == 1
    assert camera_runs.count() == 1


def test_a_capture_in_another_process_is_joined_not_repeated(start_server, camera_runs, tmp_path, w1):
    server = start_server("held.sh", dead_time=0)
    web_press = ThreadPoolExecutor(1).submit(land, server, "POST", "/snapshot")
    assert camera_runs.wait_for_runs(1) == 1
    settings = load_settings({"HAMBOT_DATA_DIR": str(tmp_path / "data"),
                              "HAMBOT_CAMERA_SCRIPT": str(CAMERAS / "held.sh"),
                              "HAMBOT_W1_DEVICES_DIR": str(w1.root), "HAMBOT_DEAD_TIME": "0"})
    here = create_app(settings)  # as `hambot capture` or a timer would: another process, same DATA_DIR
    result = {}
    presser = threading.Thread(target=lambda: result.update(shot=here.shutter.press("schedule")))
    presser.start()
    time.sleep(0.5)
    camera_runs.release()
    presser.join(timeout=30)
    _, path, _ = web_press.result(timeout=30)
    assert path == f"/photos/{result['shot'].photo.id}"
    assert camera_runs.count() == 1


def test_pages_and_photos_are_served_while_the_camera_is_busy(start_server, camera_runs):
    server = start_server("held.sh", dead_time=0)
    pressing = ThreadPoolExecutor(1).submit(server.request, "POST", "/snapshot")
    assert camera_runs.wait_for_runs(1) == 1
    for _ in range(5):
        status, _, body = server.request("GET", "/", timeout=5)
        assert status == 200 and b"Get snapshot" in body
        assert server.request("GET", "/static/style.css", timeout=5)[0] == 200
    assert not pressing.done()  # the camera was busy the whole time
    camera_runs.release()
    assert pressing.result(timeout=30)[0] == 303
