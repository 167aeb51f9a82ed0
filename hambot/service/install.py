"""`hambot install-service`: the service user, its folders, a config, the camera script and the systemd units.

Every step first looks at what is there, so a second run changes nothing and says so.
"""

import errno
import grp
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parents[1]
UNIT_FILES = Path(__file__).with_name("units")
UNITS = ("hambot.service", "hambot-capture.service", "hambot-capture.timer",
         "hambot-temperature.service", "hambot-temperature.timer", "hambot-timelapse.service", "hambot-timelapse.timer",
         "hambot-push.service")
ENABLED = ("hambot.service", "hambot-capture.timer", "hambot-temperature.timer", "hambot-timelapse.timer")
GROUPS = ("video", "gpio")  # the camera's device nodes, and the Pi's GPIO pins
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
SYSTEMD_RUNNING = Path("/run/systemd/system")  # sd_booted(3): this folder exists when systemd is PID 1


class InstallError(Exception):
    """A step failed; the message says which and why."""


@dataclass(frozen=True)
class Layout:
    prefix: Path = Path("/opt/hambot")
    venv: Path = Path("/opt/hambot/venv")
    data_dir: Path = Path("/var/lib/hambot")
    config_dir: Path = Path("/etc/hambot")
    unit_dir: Path = SYSTEM_UNIT_DIR
    bin_dir: Path = Path("/usr/local/bin")
    user: str = "hambot"

    @property
    def config_file(self):
        return self.config_dir / "config.py"

    @property
    def camera_script(self):
        return self.prefix / "camera_access.sh"


def render_unit(text, layout):
    """A unit as shipped (for /opt/hambot, /var/lib/hambot, /etc/hambot, user hambot) with this layout's paths."""
    defaults = Layout()
    paths = {str(defaults.venv): str(layout.venv), str(defaults.prefix): str(layout.prefix),
             str(defaults.data_dir): str(layout.data_dir), str(defaults.config_dir): str(layout.config_dir)}
    pattern = "|".join(re.escape(old) for old in sorted(paths, key=len, reverse=True))
    text = re.sub(pattern, lambda match: paths[match.group(0)], text)
    return text.replace("User=hambot\n", f"User={layout.user}\n").replace("Group=hambot\n", f"Group={layout.user}\n")


def config_text(layout):
    return f'''"""hambot settings for this Pi: set here only what differs from the defaults (the README's Settings
table lists every setting). After a change: sudo hambot check-config && sudo systemctl reload hambot
"""

HOST = "0.0.0.0"  # the whole network may look; set a viewer password with: sudo hambot set-password
DATA_DIR = "{layout.data_dir}"
CAMERA_SCRIPT = "{layout.camera_script}"
'''


def wrapper_text(layout):
    """/usr/local/bin/hambot: the installed config, and never root's files in the data folder."""
    return f'''#!/bin/sh
# hambot with this Pi's config; run as root it runs as {layout.user}, so the data folder stays {layout.user}'s.
umask 077  # the data folder is the service user's alone
export HAMBOT_CONFIG="{layout.config_file}"
if [ "$(id -u)" -eq 0 ] && [ "${{1:-}}" != "install-service" ]; then
  exec runuser -u "{layout.user}" -- "{layout.venv}/bin/hambot" "$@"
fi
exec "{layout.venv}/bin/hambot" "$@"
'''


class Installer:
    def __init__(self, layout, say=print):
        self.layout = layout
        self.say = say
        self.changed = 0
        self.groups_changed = False  # a process keeps the groups it started with, whatever /etc/group says now

    def install(self, start=True):
        if os.geteuid() != 0:
            raise InstallError("install-service must run as root: sudo hambot install-service")
        if not (self.layout.venv / "bin" / "hambot").is_file():
            raise InstallError(f"There is no hambot in {self.layout.venv}; make install creates it.")
        self.user()
        self.groups()
        self.folder(self.layout.data_dir, self.layout.user, 0o750)
        self.folder(self.layout.config_dir, "root", 0o755)
        self.file(self.layout.config_file, config_text(self.layout), 0o640, group=self.layout.user, keep_edits=True)
        self.file(self.layout.camera_script, (PACKAGE / "camera_access.sh").read_text(), 0o755, keep_edits=True)
        self.file(self.layout.prefix / "testpattern.py", (PACKAGE / "core" / "testpattern.py").read_text(), 0o644)
        self.file(self.layout.bin_dir / "hambot", wrapper_text(self.layout), 0o755)
        for name in UNITS:
            self.file(self.layout.unit_dir / name, render_unit((UNIT_FILES / name).read_text(), self.layout),
                      0o644)
        self.systemd(start)
        if not self.changed:
            self.say("Everything was already in place; nothing was changed.")
        return self.changed

    def done(self, text):
        self.changed += 1
        self.say(f"+ {text}")

    def user(self):
        name = self.layout.user
        try:
            pwd.getpwnam(name)
            self.say(f"  user {name} exists")
            return
        except KeyError:
            pass
        shell = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
        self.run("useradd", "--system", "--user-group", "--home-dir", str(self.layout.data_dir),
                 "--no-create-home", "--shell", shell, name)
        self.done(f"created the system user {name}")

    def groups(self):
        name = self.layout.user
        for group in GROUPS:
            try:
                members = grp.getgrnam(group).gr_mem
            except KeyError:
                self.say(f"  no {group} group on this machine; skipped")
                continue
            if name in members:
                self.say(f"  {name} is in the {group} group")
                continue
            self.run("usermod", "--append", "--groups", group, name)
            self.groups_changed = True
            self.done(f"added {name} to the {group} group")

    def folder(self, path, owner, mode):
        account = pwd.getpwnam(owner)
        if path.is_symlink():
            raise InstallError(f"{path} is a symbolic link; install-service changes no folder through a link. "
                               "Remove it and run again.")
        if not path.is_dir():
            path.mkdir(parents=True)
            self.done(f"created {path}")
        info = path.stat()
        if (info.st_uid, info.st_gid) != (account.pw_uid, account.pw_gid):
            os.chown(path, account.pw_uid, account.pw_gid)
            self.done(f"gave {path} to {owner}")
        if info.st_mode & 0o7777 != mode:
            path.chmod(mode)
            self.done(f"set {path} to mode {mode:o}")

    def file(self, path, text, mode, group="root", keep_edits=False):
        """Write `text` to `path` unless it already holds it; an edited file the owner made their own is kept."""
        current = _current_text(path)
        if current == text:
            self.say(f"  {path} is up to date")
            return
        if current is not None and keep_edits:
            self.say(f"  kept {path}, which has been edited")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, text, mode, grp.getgrnam(group).gr_gid)
        self.done(f"{'wrote' if current is None else 'updated'} {path}")

    def systemd(self, start):
        if self.layout.unit_dir != SYSTEM_UNIT_DIR or not start:
            self.say(f"  units are in {self.layout.unit_dir}; not enabled (enable them with: "
                     f"systemctl enable --now {' '.join(ENABLED)})")
            return
        if not SYSTEMD_RUNNING.is_dir():
            self.run("systemctl", "enable", *ENABLED)
            self.say("  systemd is not running here; the service and timers start at the next boot")
            return
        self.run("systemctl", "daemon-reload")
        self.run("systemctl", "enable", "--now", *ENABLED)
        if self.groups_changed:  # a reload re-forks workers from the old master, which keeps its old groups
            self.run("systemctl", "restart", "hambot.service")
        elif self.changed:
            self.run("systemctl", "reload-or-restart", "hambot.service")
        self.say(f"  started {', '.join(ENABLED)}")

    def run(self, *command):
        if shutil.which(command[0]) is None:
            raise InstallError(f"{command[0]} is not installed on this machine.")
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise InstallError(f"{' '.join(command)} failed: {detail[-1] if detail else result.returncode}")


def _current_text(path):
    """What the file at `path` holds, or None if there is none; a link or anything but a file is refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InstallError(f"{path} is a symbolic link; install-service writes no file through a link. "
                               "Remove it and run again.") from None
        raise InstallError(f"{path} cannot be read: {error.strerror}.") from None
    with open(fd, encoding="utf-8", errors="replace") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InstallError(f"{path} is not a plain file; remove it and run again.")
        return file.read()


def _replace(path, text, mode, gid):
    """Put `text` at `path` through a new temp file of an unguessable name, created exclusively, never a link."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with open(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fchown(fd, 0, gid)
            os.fchmod(fd, mode)
            os.fsync(fd)
        os.replace(temp, path)  # a rename replaces a link at `path` itself, never what it points to
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
