"""The whole chain on a Pi, faked only at the tools: a real `hambot serve` runs the real camera_access.sh, which meets
the fakes of tests/world; each case must reach the visitor's page and /healthz in the same words.
"""

import json
import re

import pytest

from conftest import ROOT, FakeW1Bus, RunningServer, settings_environ
from hambot.core import camera_messages as says
from hambot.core.health import NO_CAMERA_FOUND
from world import World


def pi_camera(**details):
    return lambda world: world.pi_camera("imx708", **details)


def webcam(tool="fswebcam", **details):
    def attach(world):
        world.install(tool)
        world.webcam(**details)
    return attach


CASES = {  # what is attached, then: the sentence a visitor reads (None: a photo), and the tool /healthz names
    "a Pi camera that works": (pi_camera(), None, "rpicam-still"),
    "a busy Pi camera": (pi_camera(state="busy"), says.BUSY, "rpicam-still"),
    "a Pi camera whose ribbon cable came loose": (pi_camera(state="hang"), says.STOPPED_STREAMING, "rpicam-still"),
    "a Pi camera the service may not open": (pi_camera(dma_heap="blocked", devices="sandboxed"), None,
                                             "test-pattern"),
    "a USB webcam only (rpicam-still lists none)": (webcam(), None, "fswebcam"),
    "a webcam with permission denied": (webcam(state="denied"), says.NOT_ALLOWED, "fswebcam"),
    "fswebcam exiting 0 with no file": (webcam(state="busy"), says.BUSY, "fswebcam"),
    "fswebcam exiting 0 with a corrupt frame": (webcam(state="corrupt"), says.FALSE_SUCCESS[0][1], "fswebcam"),
    "ffmpeg and a webcam that was unplugged": (webcam("ffmpeg", state="vanished"), says.VANISHED, "ffmpeg"),
    "no camera at all": (lambda world: None, None, "test-pattern"),
}


@pytest.fixture
def pi(tmp_path):
    """A server on a world whose hardware each test sets before it presses: a fresh one each time, since a
    camera failing again and again makes the capture budget rest it."""
    root = tmp_path
    world = World(root / "world")
    w1 = FakeW1Bus(root / "w1")
    w1.add_sensor()
    environ = settings_environ(root, w1, str(ROOT / "camera_access.sh"),
                               {"dead_time": 0, "camera_timeout": 3, "video_device": world.device})
    server = RunningServer(root, {**environ, "PATH": world.environ()["PATH"], "HAMBOT_LOG_LEVEL": "INFO"})
    yield world, server
    server.stop()


def press(server):
    """POST /snapshot as the button does, then the page it leads to: (status, text of the page)."""
    status, headers, body = server.request("POST", "/snapshot", headers={"Sec-Fetch-Site": "same-origin"})
    if status == 303:
        status, headers, body = server.request("GET", headers["Location"])
    return status, body.decode()


def health(server):
    status, _, body = server.request("GET", "/healthz")
    return status, json.loads(body)


@pytest.mark.parametrize("case", CASES)
def test_each_camera_case_reaches_the_page_and_healthz_in_the_same_words(pi, case):
    world, server = pi
    attach, sentence, tool = CASES[case]
    world.reset()
    attach(world)
    status, page = press(server)
    _, report = health(server)
    last = report["last_capture"]
    assert last["camera_tool"] == tool, server.log()[-3000:]
    if sentence is None:
        assert status == 200 and last["ok"] and re.search(r'<img id="image-data" src="/photos/', page)
    else:
        assert status == 503
        assert sentence.replace("'", "&#039;") in page
        assert last["error"] == sentence
    assert ("This is hambot's test pattern, not a photo." in page.replace("&#039;", "'")) == (tool == "test-pattern")


def test_a_test_pattern_is_a_problem_in_healthz_and_a_real_camera_clears_it(pi):
    world, server = pi
    world.reset()
    press(server)
    status, report = health(server)
    assert (status, report["problems"]) == (503, [NO_CAMERA_FOUND])
    world.pi_camera("imx708")
    press(server)
    status, report = health(server)
    assert (status, report["problems"], report["last_capture"]["camera_tool"]) == (200, [], "rpicam-still")


def test_a_webcam_short_of_the_asked_size_is_said_in_healthz_and_the_log(pi):
    world, server = pi
    world.reset()
    webcam(modes=["640x480"])(world)
    status, page = press(server)
    assert status == 200
    note = report_note = health(server)[1]["last_capture"]["note"]
    assert report_note == ("The camera gave 640×480 pixels, not the 1280×720 asked for; "
                           "set RESOLUTION to a size it offers.")
    assert note in server.log()


def test_the_log_keeps_the_tools_own_words_beside_the_sentence(pi):
    world, server = pi
    world.reset()
    pi_camera(state="busy")(world)
    press(server)
    assert "failed to acquire camera /base/soc/i2c0mux/i2c@1/imx708@1a" in server.log()
