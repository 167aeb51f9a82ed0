"""Runs the camera script in its own process group and checks that it wrote a real photo."""

import logging
import os
import select
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_PIXELS = 64_000_000  # well above any Pi camera, well below what would exhaust a Pi's memory
KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
STDERR_TAIL = 4096  # bytes of the script's output kept for the error message
HIDDEN_FROM_SCRIPT = ("HAMBOT_SECRET_KEY",)


class CameraError(Exception):
    """The capture failed; the message is one sentence a visitor can read."""


@dataclass(frozen=True)
class CapturedImage:
    path: Path
    content_type: str
    width: int
    height: int
    size: int
    seconds: float


class Camera:
    def __init__(self, script, timeout, max_bytes):
        self.script = Path(script)
        self.timeout = timeout
        self.max_bytes = max_bytes

    def capture(self, path, on_start=None):
        """Run `script path`; return the checked image or raise CameraError, leaving no file.

        on_start(pid) is called once the script runs; its pid is also its process group.
        """
        started = time.monotonic()
        try:
            self._run(path, on_start)
            image = self._check(path, time.monotonic() - started)
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        return image

    def _run(self, path, on_start):
        env = {k: v for k, v in os.environ.items() if k not in HIDDEN_FROM_SCRIPT}
        with tempfile.TemporaryFile() as output:  # a file, so megabytes of chatter cost no memory
            try:
                process = subprocess.Popen(
                    [str(self.script), str(path)], stdin=subprocess.DEVNULL, stdout=output,
                    stderr=output, start_new_session=True, close_fds=True, env=env)
            except OSError as error:
                raise CameraError(f"The camera script could not be started: {error.strerror}.") from None
            try:
                if on_start:
                    on_start(process.pid)
                status = self._wait(process)
            finally:
                _signal_group(process.pid, signal.SIGKILL)  # children it left behind
            if status != 0:
                raise CameraError(_exit_sentence(status, _last_line(output)))

    def _wait(self, process):
        if _exited_within(process, self.timeout):
            return process.returncode
        _signal_group(process.pid, signal.SIGTERM)
        if not _exited_within(process, KILL_GRACE):
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        raise CameraError(f"The camera did not answer within {self.timeout:g} s.")

    def _check(self, path, seconds):
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise CameraError("The camera produced no image.") from None
        if not stat.S_ISREG(info.st_mode):
            raise CameraError("The camera produced something that is not a plain file.")
        if info.st_size == 0:
            raise CameraError("The camera produced an empty file.")
        if info.st_size > self.max_bytes:
            raise CameraError(f"The camera produced a {_megabytes(info.st_size)} file, "
                              f"more than the {_megabytes(self.max_bytes)} limit.")
        content_type, width, height = inspect_image(path)
        return CapturedImage(Path(path), content_type, width, height, info.st_size, seconds)


def inspect_image(path):
    """Decode enough of the file to be sure it is a whole JPEG or PNG; return type and size."""
    try:
        with Image.open(path) as image:
            content_type = CONTENT_TYPES.get(image.format)
            if content_type is None:
                raise CameraError(f"The camera produced a {image.format} image, not a JPEG or PNG.")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise CameraError(f"The camera produced an image of {width}×{height} pixels, too large to keep.")
            if image.format == "JPEG":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # decode at 1/8 scale
                image.load()
            else:
                image.verify()  # every chunk's checksum, without inflating the pixels
    except UnidentifiedImageError:
        raise CameraError("The camera produced something that is not a JPEG or PNG image.") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise CameraError(f"The camera produced a damaged image ({error}).") from None
    return content_type, width, height


def _exited_within(process, timeout):
    """Wait for the script, woken the moment it exits (a pidfd) rather than on subprocess's polling ticks."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux 5.3+: subprocess's own polling wait
        try:
            process.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            return False
    finally:
        os.close(pidfd)
    process.wait()
    return True


def _signal_group(pgid, signum):
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _last_line(output):
    output.seek(0, os.SEEK_END)
    output.seek(max(0, output.tell() - STDERR_TAIL))
    lines = output.read().decode("utf-8", "replace").splitlines()
    text = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return "".join(ch for ch in text if ch.isprintable())[:300]


def _exit_sentence(status, last_line):
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.valid_signals() else -status
        sentence = f"The camera script was stopped by signal {name}"
    else:
        sentence = f"The camera script exited with status {status}"
    return f"{sentence}: {last_line}" if last_line else f"{sentence}."


def _megabytes(size):
    return f"{size / 1048576:.1f} MB"
