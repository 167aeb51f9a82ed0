"""The camera as hambot runs it: the real camera_access.sh, the fake tools of tests/world behind it, and Camera's
sentences, size check and turning on top. Each fake answers as its tool's source says (docs/camera-and-probe.md).
"""

import pytest
from PIL import Image

from conftest import ROOT
from hambot.core import camera_messages as says
from hambot.core.camera import Camera, CameraError, CameraOptions
from world import World

SCRIPT = ROOT / "camera_access.sh"


@pytest.fixture
def world(tmp_path, monkeypatch):
    world = World(tmp_path / "world", tools=("rpicam-still",))
    monkeypatch.setenv("PATH", world.environ()["PATH"])
    return world


def capture(world, tmp_path, timeout=10, **options):
    options.setdefault("video_device", str(world.device))
    camera = Camera(SCRIPT, timeout, 10**7, CameraOptions(**options))
    return camera.capture(tmp_path / "capture.jpg")


def failure(world, tmp_path, **options):
    with pytest.raises(CameraError) as failed:
        capture(world, tmp_path, **options)
    assert not (tmp_path / "capture.jpg").exists()
    return failed.value


def red_corner(path):
    """Where the fake frame's red top-left corner ended up: 'top-left', 'top-right', ..."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        for name, (x, y) in {"top-left": (2, 2), "top-right": (width - 3, 2), "bottom-left": (2, height - 3),
                             "bottom-right": (width - 3, height - 3)}.items():
            red, green, blue = image.getpixel((x, y))
            if red > 180 and green < 80 and blue < 80:
                return name
    return None


def test_a_pi_camera_that_works(world, tmp_path):
    world.pi_camera("imx708")
    image = capture(world, tmp_path)
    assert (image.tool, image.width, image.height, image.note) == ("rpicam-still", 1280, 720, None)


@pytest.mark.parametrize("pi_camera, sentence", [
    ({"state": "busy"}, says.BUSY),
    ({"devices": "denied"}, says.NOT_ALLOWED),
    ({"devices": "sandboxed"}, says.SANDBOXED),
    ({"dma_heap": "blocked"}, says.NO_BUFFERS),
    (None, says.NO_CAMERA),
])
def test_a_pi_camera_that_fails_says_why_in_a_sentence(world, tmp_path, pi_camera, sentence):
    if pi_camera is not None:
        world.pi_camera("imx708", **pi_camera)
    error = failure(world, tmp_path, tool="rpicam-still")
    assert (str(error), error.tool) == (sentence, "rpicam-still")


def test_a_camera_the_pi_does_not_detect_gives_the_test_pattern_marked_as_such(world, tmp_path):
    image = capture(world, tmp_path)
    assert image.tool == "test-pattern"
    assert (image.width, image.height) == (1280, 720)


def test_a_usb_webcam_only_machine_uses_fswebcam(world, tmp_path):
    world.install("fswebcam")
    world.webcam()
    assert capture(world, tmp_path).tool == "fswebcam"


@pytest.mark.parametrize("tool, state, sentence", [
    ("fswebcam", "busy", says.BUSY),
    ("fswebcam", "denied", says.NOT_ALLOWED),
    ("fswebcam", "vanished", says.VANISHED),
    ("fswebcam", "corrupt", says.FALSE_SUCCESS[0][1]),
    ("ffmpeg", "busy", says.BUSY),
    ("ffmpeg", "denied", says.NOT_ALLOWED),
    ("ffmpeg", "sandboxed", says.SANDBOXED),
    ("ffmpeg", "vanished", says.VANISHED),
])
def test_a_webcam_that_fails_says_why_in_a_sentence(world, tmp_path, tool, state, sentence):
    world.install(tool)
    world.webcam(state=state)
    error = failure(world, tmp_path)
    assert (str(error), error.tool) == (sentence, tool)


@pytest.mark.parametrize("tool", ["fswebcam", "ffmpeg"])
def test_a_webcam_that_was_unplugged_after_being_chosen(world, tmp_path, tool):
    world.install(tool)
    error = failure(world, tmp_path, tool=tool)  # forced, with nothing at the device
    assert str(error) == says.NO_CAMERA


def test_a_tool_that_writes_nothing_and_says_nothing_useful_shows_its_own_line(world, tmp_path):
    world.install("fswebcam")
    world.webcam()
    world.device.with_name("unwritable").mkdir()
    camera = Camera(SCRIPT, 10, 10**7, CameraOptions(video_device=str(world.device)))
    with pytest.raises(CameraError) as failed:
        camera.capture(world.device.with_name("unwritable") / "missing-folder" / "a.jpg")
    assert str(failed.value) == "fswebcam failed: fopen: No such file or directory"


def test_a_webcam_that_lacks_the_asked_size_gives_its_own_and_says_so(world, tmp_path):
    world.install("fswebcam")
    world.webcam(modes=["640x480"])
    image = capture(world, tmp_path, resolution="1280x720")
    assert (image.width, image.height) == (640, 480)
    assert image.note == ("The camera gave 640×480 pixels, not the 1280×720 asked for; "
                          "set RESOLUTION to a size it offers.")


@pytest.mark.parametrize("tool, pi_camera, sentence", [
    ("rpicam-still", {"state": "hang"}, says.STOPPED_STREAMING),
    ("fswebcam", None, "The camera (fswebcam) did not answer within 1 s."),
])
def test_a_hanging_tool_is_stopped_at_the_time_out_with_its_reason(world, tmp_path, tool, pi_camera, sentence):
    if pi_camera:
        world.pi_camera("imx708", **pi_camera)
    else:
        world.install(tool)
        world.webcam(state="hang")
    error = failure(world, tmp_path, tool=tool, timeout=1)
    assert str(error) == sentence


@pytest.mark.parametrize("rotation, hflip, vflip, corner", [
    (0, False, False, "top-left"),
    (180, False, False, "bottom-right"),
    (0, True, False, "top-right"),
    (180, True, False, "bottom-left"),
    (90, False, False, "top-right"),
    (270, False, False, "bottom-left"),
    (90, True, False, "bottom-right"),
])
def test_rotation_and_flips_come_out_the_same_from_the_tool_and_from_hambot(world, tmp_path, rotation, hflip, vflip,
                                                                          corner):
    world.pi_camera("imx708")
    world.install("fswebcam")
    world.webcam(modes=["1280x720"])
    turns = dict(rotation=rotation, hflip=hflip, vflip=vflip)
    for tool in ("rpicam-still", "fswebcam"):  # rpicam-still turns by 0 or 180 itself; fswebcam leaves it to hambot
        image = capture(world, tmp_path, tool=tool, **turns)
        assert red_corner(image.path) == corner, tool
        assert (image.width, image.height) == ((720, 1280) if rotation in (90, 270) else (1280, 720))
        assert image.note is None
