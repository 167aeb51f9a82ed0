"""camera_access.sh run for real: tool choice, the test pattern, failures, and shellcheck."""

import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image

from conftest import ROOT

SCRIPT = ROOT / "camera_access.sh"
SAMPLE = ROOT / "tests" / "cameras" / "sample.jpg"


@pytest.fixture
def fake_bin(tmp_path):
    """A PATH with the basic tools but no camera tool, where tests add fake ones."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("bash", "dirname", "cp", "head", "cat", "env"):
        os.symlink(shutil.which(tool), folder / tool)
    os.symlink(os.path.realpath(sys.executable), folder / "python3")  # the interpreter, not a venv or shim
    return folder


def add_tool(folder, name, body):
    tool = folder / name
    tool.write_text(f"#!/bin/bash\necho \"$0 $*\" >> {folder}/calls\n{body}\n")
    tool.chmod(0o755)


def run(fake_bin, output, device=None, **environ):
    env = {"PATH": str(fake_bin), "HAMBOT_VIDEO_DEVICE": str(device or fake_bin / "no-video0"), **environ}
    return subprocess.run([str(SCRIPT), str(output)], env=env, capture_output=True, text=True, timeout=60)


def test_shellcheck_finds_nothing():
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_without_a_camera_it_writes_a_labelled_test_pattern(fake_bin, tmp_path):
    output = tmp_path / "test.jpg"
    result = run(fake_bin, output)
    assert result.returncode == 0, result.stderr
    assert "using test-pattern" in result.stderr
    with Image.open(output) as image:
        assert image.size == (640, 480)
        image.load()


def test_it_prefers_the_pi_camera_and_passes_the_output_path(fake_bin, tmp_path):
    add_tool(fake_bin, "fswebcam", 'cp "%s" "${@: -1}"' % SAMPLE)
    add_tool(fake_bin, "rpicam-still", 'cp "%s" "${@: -1}"' % SAMPLE)
    device = tmp_path / "video0"
    device.touch()
    output = tmp_path / "photo with spaces; $(rm -rf x).jpg"
    result = run(fake_bin, output, device=device)
    assert result.returncode == 0, result.stderr
    assert "using rpicam-still" in result.stderr
    assert output.read_bytes() == SAMPLE.read_bytes()
    assert (fake_bin / "calls").read_text().count("\n") == 1


def test_a_webcam_tool_is_used_only_when_the_device_exists(fake_bin, tmp_path):
    add_tool(fake_bin, "fswebcam", 'cp "%s" "${@: -1}"' % SAMPLE)
    assert "using test-pattern" in run(fake_bin, tmp_path / "a.jpg").stderr
    device = tmp_path / "video0"
    device.touch()
    result = run(fake_bin, tmp_path / "b.jpg", device=device)
    assert "using fswebcam" in result.stderr
    assert f"--device {device}" in (fake_bin / "calls").read_text()


def test_hambot_camera_forces_a_tool(fake_bin, tmp_path):
    add_tool(fake_bin, "rpicam-still", 'cp "%s" "${@: -1}"' % SAMPLE)
    result = run(fake_bin, tmp_path / "a.jpg", HAMBOT_CAMERA="test-pattern")
    assert "using test-pattern" in result.stderr


@pytest.mark.parametrize("camera, words", [
    ("fswebcam", "HAMBOT_CAMERA is fswebcam, but fswebcam is not installed"),
    ("polaroid", "HAMBOT_CAMERA is 'polaroid'; use one of:"),
])
def test_a_forced_tool_that_cannot_run_is_a_clear_failure(fake_bin, tmp_path, camera, words):
    result = run(fake_bin, tmp_path / "a.jpg", HAMBOT_CAMERA=camera)
    assert result.returncode != 0
    assert words in result.stderr


def test_a_failing_tool_makes_the_script_fail(fake_bin, tmp_path):
    add_tool(fake_bin, "rpicam-still", 'echo "ERROR: no cameras available" >&2; exit 255')
    result = run(fake_bin, tmp_path / "a.jpg")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "camera_access.sh: rpicam-still failed with exit status 255"


def test_a_tool_that_writes_nothing_makes_the_script_fail(fake_bin, tmp_path):
    add_tool(fake_bin, "rpicam-still", "true")
    result = run(fake_bin, tmp_path / "a.jpg")
    assert result.returncode == 1
    assert "rpicam-still exited normally but wrote no image" in result.stderr


def test_no_argument_prints_usage(fake_bin):
    result = subprocess.run([str(SCRIPT)], env={"PATH": str(fake_bin)}, capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage:" in result.stderr
