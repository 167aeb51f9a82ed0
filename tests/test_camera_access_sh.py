"""camera_access.sh run for real against fakes of the tools (tests/world): which tool it picks, how it calls it.

The fakes take rpicam-still's, fswebcam's and ffmpeg's real options and answer as those tools do (their sources
are named in tests/world/fake_tools.py and docs/camera-and-probe.md).
"""

import subprocess

import pytest
from PIL import Image

from conftest import ROOT
from world import World

SCRIPT = ROOT / "camera_access.sh"


@pytest.fixture
def world(tmp_path):
    """Raspberry Pi OS: rpicam-still is preinstalled, even on Lite."""
    return World(tmp_path / "world", tools=("rpicam-still",))


def run(world, output, **settings):
    environ = world.environ({"HAMBOT_VIDEO_DEVICE": str(world.device),
                             **{f"HAMBOT_{name.upper()}": str(value) for name, value in settings.items()}})
    return subprocess.run([str(SCRIPT), str(output)], env=environ, capture_output=True, text=True, timeout=60)


def corners(path):
    """The colours of the fake frame's top corners: red marks its top-left, blue its top-right."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        width = image.size[0]
        return image.getpixel((2, 2)), image.getpixel((width - 3, 2))


def is_red(rgb):
    return rgb[0] > 180 and rgb[1] < 80 and rgb[2] < 80


def test_shellcheck_finds_nothing():
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_with_no_camera_it_writes_a_labelled_test_pattern_at_the_asked_size(world, tmp_path):
    output = tmp_path / "test.jpg"
    result = run(world, output, resolution="800x600")
    assert result.returncode == 0, result.stderr
    assert "camera_access.sh: rpicam-still sees no camera: No cameras available!" in result.stderr
    assert "using test-pattern" in result.stderr
    with Image.open(output) as image:
        assert image.size == (800, 600)
        image.load()


def test_a_pi_camera_is_asked_first_whether_it_sees_a_camera_then_used(world, tmp_path):
    world.pi_camera("imx708")
    output = tmp_path / "photo with spaces; $(rm -rf x).jpg"
    result = run(world, output)
    assert result.returncode == 0, result.stderr
    assert "using rpicam-still" in result.stderr
    listing, capture = world.calls()
    assert listing == ["rpicam-still", "--list-cameras"]
    assert capture == ["rpicam-still", "--nopreview", "--timeout", "1500", "--width", "1280", "--height", "720",
                       "--output", str(output), "--autofocus-on-capture"]
    with Image.open(output) as image:
        assert image.size == (1280, 720)


def test_on_raspberry_pi_os_a_usb_webcam_is_used_although_rpicam_still_is_installed(world, tmp_path):
    world.install("fswebcam")
    world.webcam(modes=["640x480", "1280x720"])
    result = run(world, tmp_path / "a.jpg")
    assert result.returncode == 0, result.stderr
    assert "rpicam-still sees no camera" in result.stderr and "using fswebcam" in result.stderr
    assert world.calls()[-1] == ["fswebcam", "--no-banner", "--device", str(world.device), "--resolution",
                                 "1280x720", "--skip", "10", "--jpeg", "90", str(tmp_path / "a.jpg")]


def test_the_webcams_dark_first_frames_are_skipped(world, tmp_path):
    world.install("fswebcam")
    world.webcam(dark_frames=5)
    run(world, tmp_path / "a.jpg")
    top_left, _ = corners(tmp_path / "a.jpg")
    assert is_red(top_left)  # a real frame, not the dark one a webcam starts with


def test_ffmpeg_reads_mjpeg_and_skips_the_warm_up_frames(world, tmp_path):
    world.install("ffmpeg")
    world.webcam(dark_frames=5, modes=["640x480", "1280x720"])
    result = run(world, tmp_path / "a.jpg")
    assert result.returncode == 0, result.stderr
    call = world.calls()[-1]
    assert call[call.index("-input_format") + 1] == "mjpeg"
    assert call[call.index("-vf") + 1] == r"select=gte(n\,10)"
    with Image.open(tmp_path / "a.jpg") as image:
        assert image.size == (1280, 720)
    assert is_red(corners(tmp_path / "a.jpg")[0])


def test_a_webcam_without_mjpeg_is_read_in_its_raw_mode(world, tmp_path):
    world.install("ffmpeg")
    world.webcam(mjpeg=False, raw_modes=["640x480"])
    result = run(world, tmp_path / "a.jpg")
    assert result.returncode == 0, result.stderr
    assert "has no MJPEG mode; trying its raw mode" in result.stderr
    assert "-input_format" not in world.calls()[-1]
    with Image.open(tmp_path / "a.jpg") as image:
        assert image.size == (640, 480)  # what hambot's size check then reports


def test_camera_forces_a_tool_without_asking_the_others(world, tmp_path):
    world.pi_camera("imx708")
    world.install("fswebcam")
    world.webcam()
    result = run(world, tmp_path / "a.jpg", camera="fswebcam")
    assert result.returncode == 0, result.stderr
    assert [call[0] for call in world.calls()] == ["fswebcam"]


@pytest.mark.parametrize("camera, words", [
    ("fswebcam", "camera_access.sh: CAMERA is fswebcam, but fswebcam is not installed"),
    ("polaroid", "camera_access.sh: CAMERA is 'polaroid'; use auto or one of:"),
])
def test_a_forced_tool_that_cannot_run_is_a_clear_failure(world, tmp_path, camera, words):
    result = run(world, tmp_path / "a.jpg", camera=camera)
    assert result.returncode == 1
    assert words in result.stderr


def test_rpicam_still_turns_the_photo_itself_when_it_can(world, tmp_path):
    world.pi_camera("imx708")
    result = run(world, tmp_path / "a.jpg", rotation=180, hflip=1)
    assert result.returncode == 0, result.stderr
    assert world.calls()[-1][-4:] == ["--autofocus-on-capture", "--rotation", "180", "--hflip"]
    assert "camera_access.sh: rpicam-still applied the rotation and flips" in result.stderr


def test_a_quarter_turn_is_left_to_hambot_since_libcamera_cannot_transpose(world, tmp_path):
    world.pi_camera("imx708")
    result = run(world, tmp_path / "a.jpg", rotation=90, vflip=1)
    assert result.returncode == 0, result.stderr
    assert "--rotation" not in world.calls()[-1] and "--vflip" not in world.calls()[-1]
    assert "applied the rotation" not in result.stderr


def test_a_failing_tool_passes_its_own_words_on(world, tmp_path):
    world.pi_camera("imx708", state="busy")
    result = run(world, tmp_path / "a.jpg")
    assert result.returncode == 1
    assert "ERROR: *** failed to acquire camera /base/soc/i2c0mux/i2c@1/imx708@1a ***" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "camera_access.sh: rpicam-still failed with exit status 255"


def test_fswebcam_saying_all_is_well_without_a_file_still_fails(world, tmp_path):
    world.install("fswebcam")
    world.webcam(state="busy")  # Debian's fswebcam exits 0 even then
    result = run(world, tmp_path / "a.jpg")
    assert result.returncode == 1
    assert "VIDIOC_S_INPUT: Device or resource busy" in result.stderr
    assert "camera_access.sh: fswebcam exited 0 but wrote no image" in result.stderr


def test_no_argument_prints_usage(world):
    result = subprocess.run([str(SCRIPT)], env=world.environ(), capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage:" in result.stderr
