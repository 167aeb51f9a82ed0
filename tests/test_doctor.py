"""`hambot doctor`: a ✓ or ✗ line per check, a fix for each ✗, exit 0 only when all pass."""

import logging
import multiprocessing
import os

import webtest

from conftest import ROOT, add_photo, run_hambot, settings_environ
from hambot.core import camera_messages as says
from hambot.web.app import create_app
from hambot.service.logs import BACKUPS, SharedRotatingFileHandler
from world import World


def lines(done):
    return done.stdout.splitlines()


def test_all_checks_pass_on_a_working_setup(hambot):
    done = hambot("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    marks = [line[0] for line in lines(done)[:-1]]
    assert set(marks) == {"✓"} and len(marks) >= 7
    text = done.stdout
    assert "The camera script made a 160×120 JPEG" in text
    assert "The sensor 28-000005e2fdc3 reads 23.1 °C." in text
    assert "The index passes its integrity check and matches the 0 photo file(s)." in text
    assert lines(done)[-1] == "All checks passed."


def test_an_upstream_server_with_no_camera_passes_the_camera_check(hambot):
    done = hambot("doctor", camera_script="none", temperature_sensor="none")
    assert "✓ CAMERA_SCRIPT is None: this hambot has no camera of its own (an upstream server)." in done.stdout
    assert not any(line.startswith("✗") and "camera" in line.lower() for line in lines(done)), done.stdout


def test_a_failing_camera_is_a_cross_with_its_reason_and_a_fix(hambot):
    done = hambot("doctor", camera="fails.sh")
    assert done.returncode == 1
    failed = [i for i, line in enumerate(lines(done)) if line.startswith("✗")]
    assert len(failed) == 1
    assert "The camera script" in lines(done)[failed[0]] and "status 1" in lines(done)[failed[0]]
    assert lines(done)[failed[0] + 1].startswith("    fix: Run it by hand to see more:")
    assert lines(done)[-1] == "1 check(s) failed."


def test_a_sensor_stuck_at_its_85_degree_reset_value_fails(hambot, w1):
    w1.add_sensor(celsius=85)
    done = hambot("doctor")
    assert done.returncode == 1 and "✗ The temperature sensor gave no reading: The sensor reported 85 °C" in done.stdout


def test_the_index_and_the_photo_files_are_compared_both_ways(hambot):
    app = create_app(hambot.settings())
    photo = add_photo(app.store)
    stray = app.store.photos_dir / "AAAAAAAAAAAA.jpg"
    stray.write_bytes(b"not indexed")
    done = hambot("doctor")
    assert "✗ 1 file(s) in" in done.stdout and "not in the index, such as AAAAAAAAAAAA.jpg" in done.stdout
    stray.unlink()
    app.store.path_of(photo).unlink()
    done = hambot("doctor")
    assert f"✗ The index lists 1 photo(s) whose file is missing, such as {photo.id}." in done.stdout
    assert done.returncode == 1


def test_a_secret_key_file_others_can_read_fails_with_the_chmod_to_run(hambot):
    create_app(hambot.settings())
    key = hambot.settings().data_dir / "secret_key"
    key.chmod(0o644)
    done = hambot("doctor")
    assert done.returncode == 1 and f"    fix: chmod 600 {key}" in lines(done)


def test_a_broken_config_is_the_first_and_only_check(hambot):
    done = hambot("doctor", dead_time="soon")
    assert lines(done)[0] == "✗ The config does not load: DEAD_TIME must be a number from 0 to 86400 seconds, " \
                             "got 'soon'."
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_every_command_has_help(hambot):
    for command in ("serve", "check-config", "capture", "temperature", "prune", "keep", "set-password", "doctor",
                    "install-service", "keysheet", "token"):
        done = hambot(command, "--help")
        assert done.returncode == 0 and done.stdout.startswith(f"usage: hambot {command}")


def _log_lines(path, worker, count):
    logger = logging.getLogger(f"worker{worker}")
    logger.propagate = False
    logger.addHandler(SharedRotatingFileHandler(str(path)))
    for number in range(count):
        logger.warning("worker=%d line=%05d %s", worker, number, "x" * 200)


def test_log_file_rotation_loses_and_mixes_no_lines_across_processes(tmp_path):
    path = tmp_path / "hambot.log"
    workers = [multiprocessing.get_context("fork").Process(target=_log_lines, args=(path, w, 3000))
               for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    files = [path] + [path.with_name(f"hambot.log.{n}") for n in range(1, BACKUPS + 1)]
    assert files[1].exists()  # 2 MB of lines in 1 MB files: rotated
    assert all(os.path.getsize(f) <= 1024 * 1024 for f in files if f.exists())
    seen = [line for f in files if f.exists() for line in f.read_text().splitlines()]
    assert len(seen) == 9000 and len(set(seen)) == 9000
    assert all(line.startswith("worker=") and line.endswith("x" * 200) for line in seen)


def test_the_home_page_still_works_with_a_log_file_set(make_app, tmp_path):
    web = webtest.TestApp(make_app(log_file=tmp_path / "logs" / "hambot.log"))
    assert web.get("/").status_int == 200


def doctor_on(world, tmp_path, w1, **overrides):
    """`hambot doctor` with the camera tools of `world`, as on a Pi."""
    settings = {"video_device": world.device, **overrides}
    environ = dict(settings_environ(tmp_path, w1, str(ROOT / "camera_access.sh"), settings),
                   HAMBOT_LOG_LEVEL="WARNING", PATH=world.environ()["PATH"])
    return run_hambot(["doctor"], environ, cwd=tmp_path)


def test_with_the_service_running_doctor_asks_it_so_a_device_its_sandbox_blocks_is_a_cross(start_server, tmp_path,
                                                                                           w1):
    sandboxed = World(tmp_path / "service-world")
    sandboxed.pi_camera("imx708", devices="sandboxed")  # what libcamera meets inside the service's sandbox
    server = start_server(str(ROOT / "camera_access.sh"), video_device=sandboxed.device,
                          environ={"PATH": sandboxed.environ()["PATH"], "HAMBOT_CAMERA": "rpicam-still"})
    here = World(tmp_path / "world")
    here.pi_camera("imx708")  # outside the sandbox the same camera works
    done = doctor_on(here, tmp_path, w1, camera="rpicam-still", port=server.port)
    assert done.returncode == 1
    assert f"✗ hambot serve's camera failed, inside its sandbox: {says.SANDBOXED}" in lines(done)
    assert here.calls() == []  # the camera was never run outside the service
    sandboxed.reset()
    sandboxed.pi_camera("imx708")
    done = doctor_on(here, tmp_path, w1, camera="rpicam-still", port=server.port, dead_time=0)
    assert "✓ hambot serve took a 1280×720 photo with rpicam-still, inside its sandbox." in lines(done), done.stdout


def test_doctor_fails_with_the_fix_when_the_test_pattern_is_all_there_is(tmp_path, w1):
    done = doctor_on(World(tmp_path / "world"), tmp_path, w1)
    assert done.returncode == 1
    [cross] = [line for line in lines(done) if line.startswith("✗")]
    assert cross == ("✗ No camera was found (rpicam-still sees no camera: No cameras available!). Every photo would "
                     "be hambot's test pattern.")
    assert "rpicam-still --list-cameras" in lines(done)[lines(done).index(cross) + 1]


def test_doctor_passes_the_test_pattern_when_it_is_chosen(tmp_path, w1):
    done = doctor_on(World(tmp_path / "world"), tmp_path, w1, camera="test-pattern")
    assert done.returncode == 0, done.stdout
    assert "CAMERA is test-pattern, so every photo is the test pattern, as set." in done.stdout


def test_doctor_says_when_the_webcam_gives_another_size_than_asked(tmp_path, w1):
    world = World(tmp_path / "world")
    world.install("fswebcam")
    world.webcam(modes=["640x480"])
    done = doctor_on(world, tmp_path, w1)
    assert done.returncode == 1
    assert "The camera gave 640×480 pixels, not the 1280×720 asked for" in done.stdout
    assert "fix: Set RESOLUTION to a size the camera offers" in done.stdout
