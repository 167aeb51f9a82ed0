"""The systemd units: rated by systemd-analyze, verified with real paths, installed idempotently."""

import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from hambot.core.camera_devices import CAMERA_NODES
from hambot.service.install import ENABLED, UNITS, Layout, render_unit

SERVICES = [name for name in UNITS if name.endswith(".service")]
CAMERA_SERVICES = ("hambot.service", "hambot-capture.service", "hambot-push.service")  # push: remote presses
BEST_ALLOWED = 2.0
# What DeviceAllow= accepts (man systemd.resource-control; systemd's load-fragment.c and bpf-devices.c): a device
# node, /dev/char/MAJ:MIN, or char-/block- and a class from /proc/devices (a glob). A path that is not a node
# (a folder such as /dev/dma_heap) passes the parser and is skipped when the unit starts: "... is not a device."
DEVICE_CLASS = re.compile(r"(char|block)-[A-Za-z0-9_*?\[\]-]+")
PI_FOLDERS = {"/dev/dma_heap", "/dev/v4l", "/dev/v4l/by-id", "/dev/v4l/by-path", "/dev/snd", "/dev/dri",
              "/dev/char", "/dev/block", "/dev/serial", "/dev/input"}  # folders of nodes on Raspberry Pi OS
PI_NODE = re.compile(r"/dev/(char/\d+:\d+|(video|media|v4l-subdev)\d+|dma_heap/(linux,cma|system|reserved)|vchiq)")


def analyze(*args, cwd=None):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_rates_2_0_or_better_in_systemd_analyze_security(name):
    done = analyze("security", "--offline=true", "--no-pager", str(ROOT / "systemd" / name))
    exposure = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert exposure, done.stdout + done.stderr
    assert float(exposure.group(1)) <= BEST_ALLOWED, done.stdout


def test_the_server_unit_is_notify_type_reloads_with_hup_and_keeps_the_camera_reachable():
    unit = (ROOT / "systemd" / "hambot.service").read_text()
    for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
                 "ReadWritePaths=/var/lib/hambot", "DeviceAllow=char-video4linux rw", "ProtectHome=yes",
                 "PrivateTmp=yes", "NoNewPrivileges=yes", "ProtectSystem=strict"):
        assert line in unit.splitlines(), line
    assert "PrivateDevices=yes" not in unit and "PrivateUsers=yes" not in unit  # both would hide the camera


def device_rules(unit_text):
    return [line.split("=", 1)[1].split() for line in unit_text.splitlines() if line.startswith("DeviceAllow=")]


def check_device_rules(name, unit_text):
    """Every DeviceAllow entry is one systemd acts on, and a camera unit's cover every node the camera opens."""
    rules = device_rules(unit_text)
    for rule in rules:
        target = rule[0]
        assert DEVICE_CLASS.fullmatch(target) or (PI_NODE.fullmatch(target) and target not in PI_FOLDERS), \
            f"{name}: DeviceAllow={target} is not a device node or class, so systemd skips it"
    classes = {rule[0].removeprefix("char-") for rule in rules if rule[0].startswith("char-")}
    for nodes, needed in CAMERA_NODES.items():
        if name in CAMERA_SERVICES:
            assert needed in classes, f"{name} does not allow /dev/{nodes} (char-{needed})"
    if name not in CAMERA_SERVICES:
        assert rules == [], f"{name} reads no camera, so it needs no device"
    assert "DevicePolicy=closed" in unit_text.splitlines()


@pytest.mark.parametrize("name", SERVICES)
def test_each_units_device_rules_are_ones_systemd_accepts_and_cover_the_camera(name):
    check_device_rules(name, (ROOT / "systemd" / name).read_text())


def test_the_timers_take_a_photo_hourly_catching_up_after_downtime_and_read_every_5_minutes():
    capture = (ROOT / "systemd" / "hambot-capture.timer").read_text().splitlines()
    assert "OnCalendar=hourly" in capture and "Persistent=true" in capture
    assert "OnCalendar=*:0/5" in (ROOT / "systemd" / "hambot-temperature.timer").read_text().splitlines()
    assert "ExecStart=/opt/hambot/venv/bin/hambot capture --source schedule" in \
        (ROOT / "systemd" / "hambot-capture.service").read_text()


def test_the_timelapse_timer_makes_yesterdays_movie_after_midnight_and_catches_up_after_downtime():
    timer = (ROOT / "systemd" / "hambot-timelapse.timer").read_text().splitlines()
    assert "OnCalendar=*-*-* 00:20:00" in timer and "Persistent=true" in timer
    service = (ROOT / "systemd" / "hambot-timelapse.service").read_text().splitlines()
    assert "ExecStart=/opt/hambot/venv/bin/hambot timelapse" in service and "PrivateNetwork=yes" in service
    assert "hambot-timelapse.timer" in ENABLED
    done = analyze("calendar", "--iterations=2", "*-*-* 00:20:00")
    assert done.returncode == 0 and done.stdout.count("00:20:00") >= 2, done.stdout + done.stderr


def test_render_unit_puts_in_the_real_paths_and_user():
    layout = Layout(prefix=Path("/srv/cam"), venv=Path("/srv/cam/env"), data_dir=Path("/data/cam"),
                    config_dir=Path("/etc/cam"), user="cam")
    unit = render_unit((ROOT / "systemd" / "hambot.service").read_text(), layout)
    assert "ExecStart=/srv/cam/env/bin/hambot serve" in unit
    assert "ReadWritePaths=/data/cam" in unit and "HAMBOT_CONFIG=/etc/cam/config.py" in unit
    assert "User=cam\n" in unit and "Group=cam\n" in unit and "/opt/hambot" not in unit


@pytest.fixture
def install(tmp_path):
    """`hambot install-service` for real as root, with a throw-away user and every path under tmp_path."""
    if os.geteuid() != 0:
        pytest.skip("install-service creates a system user, which needs root; CI runs as root")
    user = f"hambot-t{secrets.token_hex(3)}"
    dirs = {name: tmp_path / name for name in ("prefix", "data", "etc", "units", "bin")}

    def run():
        return subprocess.run(
            [sys.executable, "-m", "hambot", "install-service", "--user", user, "--prefix", str(dirs["prefix"]),
             "--venv", sys.prefix, "--data-dir", str(dirs["data"]), "--config-dir", str(dirs["etc"]),
             "--unit-dir", str(dirs["units"]), "--bin-dir", str(dirs["bin"])],
            capture_output=True, text=True, timeout=60, env=dict(os.environ, HAMBOT_DATA_DIR=str(tmp_path / "own")))
    run.user, run.dirs = user, dirs
    yield run
    subprocess.run(["userdel", user], capture_output=True)


def test_install_service_creates_the_user_folders_config_and_units_then_changes_nothing(install):
    first = install()
    assert first.returncode == 0, first.stderr
    dirs = install.dirs
    account = pwd.getpwnam(install.user)
    assert account.pw_shell in ("/usr/sbin/nologin", "/bin/false")
    data = dirs["data"].stat()
    assert (data.st_uid, data.st_mode & 0o777) == (account.pw_uid, 0o750)
    config = (dirs["etc"] / "config.py").read_text()
    assert f'DATA_DIR = "{dirs["data"]}"' in config and f'CAMERA_SCRIPT = "{dirs["prefix"]}/camera_access.sh"' in config
    assert os.access(dirs["prefix"] / "camera_access.sh", os.X_OK)
    assert f"+ created the system user {install.user}" in first.stdout
    assert set(os.listdir(dirs["units"])) == set(UNITS)
    if shutil.which("getent") and subprocess.run(["getent", "group", "video"]).returncode == 0:
        assert install.user in subprocess.run(["id", "-nG", install.user], capture_output=True,
                                              text=True).stdout.split()
    for name in SERVICES:
        check_device_rules(name, (dirs["units"] / name).read_text())
    units = sorted(str(path) for path in dirs["units"].iterdir())
    verified = analyze("verify", *units, cwd=dirs["units"])
    assert verified.returncode == 0, verified.stderr
    before = {path: path.read_bytes() for path in dirs["units"].iterdir()}

    second = install()
    assert second.returncode == 0, second.stderr
    assert "+ " not in second.stdout and "nothing was changed" in second.stdout
    assert {path: path.read_bytes() for path in dirs["units"].iterdir()} == before


def test_install_service_keeps_a_config_the_owner_edited(install):
    assert install().returncode == 0
    config = install.dirs["etc"] / "config.py"
    config.write_text(config.read_text() + 'SITE_TITLE = "Moolah\'s cam"\n')
    again = install()
    assert f"kept {config}, which has been edited" in again.stdout
    assert "Moolah" in config.read_text()


def test_the_wrapper_runs_hambot_with_the_installed_config(install):
    assert install().returncode == 0
    wrapper = (install.dirs["bin"] / "hambot").read_text()
    assert f'export HAMBOT_CONFIG="{install.dirs["etc"]}/config.py"' in wrapper
    assert f'runuser -u "{install.user}"' in wrapper and "umask 077" in wrapper
    checked = subprocess.run(["sh", "-n", str(install.dirs["bin"] / "hambot")])
    assert checked.returncode == 0


@pytest.mark.parametrize("groups_changed, files_changed, action", [
    (True, 1, ["restart", "hambot.service"]),
    (False, 1, ["reload-or-restart", "hambot.service"]),
    (False, 0, None),
])
def test_new_groups_restart_the_service_since_a_reload_keeps_the_old_ones(tmp_path, monkeypatch, groups_changed,
                                                                          files_changed, action):
    """systemd sets a service's groups when it starts it (systemd.exec, User=): a SIGHUP reload keeps them."""
    from hambot.service import install as installing
    systemctl = tmp_path / "bin" / "systemctl"
    systemctl.parent.mkdir()
    systemctl.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/systemctl.calls\n')
    systemctl.chmod(0o755)
    monkeypatch.setenv("PATH", f"{systemctl.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(installing, "SYSTEM_UNIT_DIR", tmp_path / "units")
    monkeypatch.setattr(installing, "SYSTEMD_RUNNING", tmp_path)
    installer = installing.Installer(Layout(unit_dir=tmp_path / "units"), say=lambda text: None)
    installer.groups_changed, installer.changed = groups_changed, files_changed
    installer.systemd(start=True)
    calls = [line.split() for line in (tmp_path / "systemctl.calls").read_text().splitlines()]
    assert calls[:2] == [["daemon-reload"], ["enable", "--now", *installing.ENABLED]]
    assert calls[2:] == ([action] if action else [])


def test_install_service_writes_nothing_through_a_link_planted_at_a_temp_name_or_a_target(install, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("root's own file\n")
    install.dirs["bin"].mkdir()
    (install.dirs["bin"] / ".hambot.new").symlink_to(victim)  # the temp name install-service once used
    assert install().returncode == 0
    assert victim.read_text() == "root's own file\n"
    assert sorted(path.name for path in install.dirs["bin"].iterdir()) == [".hambot.new", "hambot"]  # no temp left
    for planted in (install.dirs["units"] / "hambot.service", install.dirs["etc"] / "config.py"):
        planted.unlink()
        planted.symlink_to(victim)
        refused = install()
        assert refused.returncode != 0 and f"{planted} is a symbolic link" in refused.stderr
        assert "Traceback" not in refused.stderr and victim.read_text() == "root's own file\n"
        planted.unlink()
