"""The camera runner: real subprocesses, real process groups, real image decoding."""

import pytest

from conftest import CAMERAS, wait_until_gone
from hambot.core.camera import Camera, CameraError


@pytest.fixture
def output(tmp_path):
    return tmp_path / "capture.jpg"


def camera(script, timeout=10, max_bytes=20 * 1024 * 1024):
    return Camera(CAMERAS / script, timeout, max_bytes)


def test_a_good_jpeg_is_returned_with_its_size(output, camera_runs):
    image = camera("ok.sh").capture(output)
    assert (image.content_type, image.width, image.height) == ("image/jpeg", 160, 120)
    assert image.size == output.stat().st_size > 0
    assert camera_runs.count() == 1


def test_a_png_is_recognised_whatever_the_file_is_called(output, camera_runs):
    image = camera("png.sh").capture(output)
    assert image.content_type == "image/png"


@pytest.mark.parametrize("script, sentence", [
    ("fails.sh", "The camera script exited with status 1: my-camera: the lens cover is closed"),
    ("writes_nothing.sh", "The camera produced no image."),
    ("writes_empty.sh", "The camera produced an empty file."),
    ("writes_garbage.sh", "The camera produced something that is not a JPEG or PNG image."),
    ("writes_symlink.sh", "The camera produced something that is not a plain file."),
])
def test_a_failed_capture_says_what_went_wrong_and_leaves_no_file(output, camera_runs, script, sentence):
    with pytest.raises(CameraError) as failed:
        camera(script).capture(output)
    assert str(failed.value) == sentence
    assert not output.exists() and not output.is_symlink()


def test_a_truncated_jpeg_is_refused(output, camera_runs):
    with pytest.raises(CameraError, match=r"^The camera produced a damaged image \(.*truncated"):
        camera("writes_truncated.sh").capture(output)
    assert not output.exists()


def test_a_file_over_the_cap_is_refused(output, camera_runs):
    with pytest.raises(CameraError, match=r"^The camera produced a 2\.9 MB file, more than the 1\.0 MB limit\.$"):
        camera("writes_huge.sh", max_bytes=1024 * 1024).capture(output)
    assert not output.exists()


def test_a_hung_camera_is_stopped_with_its_children(output, camera_runs):
    with pytest.raises(CameraError, match=r"^The camera did not answer within 0\.5 s\.$"):
        camera("hangs.sh", timeout=0.5).capture(output)
    [pgid] = camera_runs.pids()
    assert wait_until_gone(pgid) == []


def test_a_camera_that_ignores_sigterm_is_killed(output, camera_runs):
    with pytest.raises(CameraError, match="did not answer within 0.5 s"):
        camera("hangs_ignoring_term.sh", timeout=0.5).capture(output)
    [pgid] = camera_runs.pids()
    assert wait_until_gone(pgid) == []


def test_a_child_left_running_after_a_good_capture_is_stopped(output, camera_runs):
    camera("leaves_child.sh").capture(output)
    [pgid] = camera_runs.pids()
    assert wait_until_gone(pgid) == []


def test_megabytes_of_chatter_give_only_the_last_line(output, camera_runs):
    with pytest.raises(CameraError) as failed:
        camera("chatty.sh").capture(output)
    assert str(failed.value) == "The camera script exited with status 3: the last line"


def test_the_script_never_sees_the_secret_key(tmp_path, output, monkeypatch):
    script = tmp_path / "env.sh"
    script.write_text('#!/bin/sh\nenv > "$1.env"\ncp "%s" "$1"\n' % (CAMERAS / "sample.jpg"))
    script.chmod(0o755)
    monkeypatch.setenv("HAMBOT_SECRET_KEY", "s" * 40)
    Camera(script, 5, 10**7).capture(output)
    assert "s" * 40 not in output.with_name("capture.jpg.env").read_text()


def test_a_script_that_cannot_start_is_a_clear_failure(tmp_path, output):
    script = tmp_path / "broken.sh"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    with pytest.raises(CameraError, match="^The camera script could not be started: No such file or directory.$"):
        Camera(script, 5, 10**7).capture(output)
