"""The button of a camera behind a router, pressed on the upstream server: two real gunicorn servers on loopback
and the real `hambot push` holding its long poll (stdlib urllib) open to the upstream; the press is taken by the
Pi's own shutter and camera (the fake camera script), and the visitor lands on the photo upstream."""

import json
import time

from conftest import Pair, wait_until


def press_and_land(server, camera="pi", timeout=30):
    """A visitor's press, followed as a browser would: the pending page until it redirects; (status, path)."""
    status, headers, _ = server.request("POST", f"/cameras/{camera}/snapshot")
    if status != 303:
        return status, None
    location = headers["Location"]
    deadline = time.monotonic() + timeout
    while location.startswith(f"/cameras/{camera}/pending") and time.monotonic() < deadline:
        status, headers, _ = server.request("GET", location)
        if status != 303 and status != 200:
            return status, location
        location = headers.get("Location", location) if status == 303 else location
    return status, location


def test_a_press_upstream_takes_the_photo_at_the_pi_and_lands_the_visitor_on_it(pushing_pair, camera_runs):
    runs = camera_runs.count()
    status, location = press_and_land(pushing_pair.upstream)
    assert status == 303 and location.startswith("/photos/"), pushing_pair.push_log()
    assert camera_runs.count() == runs + 1  # the Pi's own camera ran
    page = pushing_pair.upstream.request("GET", location)
    assert page[0] == 200
    record = json.loads(pushing_pair.upstream.request("GET", "/api/v1" + location)[2])
    assert record["camera"] == "pi" and record["source"] == "remote"
    assert [p.source for p in pushing_pair.pi_photos()] == ["remote"]  # the Pi keeps its own copy


def test_the_long_poll_survives_the_upstream_restarting(pushing_pair):
    pushing_pair.restart_upstream()
    status, location = press_and_land(pushing_pair.upstream)
    assert status == 303 and location.startswith("/photos/"), pushing_pair.push_log()


def test_an_offline_camera_says_since_when_and_a_press_tells_the_visitor_at_once(pushing_pair):
    pushing_pair.capture(1)
    assert pushing_pair.arrived(1)
    since = pushing_pair.went_offline(seconds_ago=300)
    page = pushing_pair.upstream.request("GET", "/cameras/pi")[2].decode()
    assert f"The camera has been offline since {since}." in page
    assert pushing_pair.upstream_photos()[0]["url"] in page  # its latest photo
    started = time.monotonic()
    status, _, body = pushing_pair.upstream.request("POST", "/cameras/pi/snapshot")
    assert status == 503 and f"offline since {since}" in body.decode()
    assert time.monotonic() - started < 5  # told, not left waiting for a time-out


def test_only_the_cameras_own_upload_token_may_poll_for_its_presses(pushing_pair, hambot):
    reader = hambot("token", "issue", "--name", "reader", "--scope", "read",
                    **pushing_pair.upstream_settings).stdout.strip()
    other = hambot("token", "issue", "--name", "porch", "--scope", "upload", "--camera", "porch",
                   **pushing_pair.upstream_settings).stdout.strip()
    for token, words in ((reader, b"may not upload"), (other, b"as the camera porch only")):
        status, _, body = pushing_pair.upstream.request("GET", "/api/v1/cameras/pi/presses?wait=0",
                                                        {"Authorization": f"Enigma {token}"})
        assert status == 403 and words in body
    status, _, body = pushing_pair.upstream.request("POST", "/api/v1/cameras/pi/presses/1", {
        "Authorization": f"Enigma {other}", "Content-Type": "application/json"}, body=b"{}")
    assert status == 403


def test_a_press_made_while_the_long_poll_is_open_is_the_answer_of_that_poll(tmp_path, w1, hambot, start_server):
    """The poll, held open by the real worker, answers with the press rather than ending empty-handed."""
    import threading
    pair = Pair(tmp_path, w1, hambot, start_server)
    headers = {"Authorization": f"Enigma {pair.pi['upstream_token']}"}
    answers = []
    poll = threading.Thread(target=lambda: answers.append(pair.upstream.request(
        "GET", "/api/v1/cameras/pi/presses?wait=20", headers, timeout=60)))
    poll.start()
    assert wait_until(lambda: pair.upstream.request("GET", "/cameras/pi")[0] == 200, 10)
    assert pair.upstream.request("POST", "/cameras/pi/snapshot")[0] == 303
    poll.join()
    status, _, body = answers[0]
    assert status == 200 and json.loads(body) == {"press": 1}
