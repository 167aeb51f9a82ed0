"""Runs the camera script in its own process group and checks that it wrote a real photo of the size asked for."""

import logging
import os
import re
import select
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .camera_messages import explain_failure, explain_false_success, explain_timeout, tool_line

log = logging.getLogger(__name__)

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_PIXELS = 64_000_000  # well above any Pi camera, well below what would exhaust a Pi's memory
KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
STDERR_TAIL = 4096  # bytes of the script's output kept for the error message
HIDDEN_FROM_SCRIPT = ("HAMBOT_SECRET_KEY",)
TEST_PATTERN = "test-pattern"
NOT_FOUND = re.compile(r"^camera_access\.sh: (.* (?:sees no camera|has no webcam at).*)$", re.MULTILINE)
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
USING = re.compile(r"^camera_access\.sh: using ([A-Za-z0-9._-]+)", re.MULTILINE)
ORIENTED = re.compile(r"^camera_access\.sh: [A-Za-z0-9._-]+ applied the rotation and flips", re.MULTILINE)
EXIF_ORIENTATION = 0x0112
NO_CAMERA = "This hambot has no camera of its own (CAMERA_SCRIPT is None)."
SAVE_QUALITY = 92  # a re-encoded JPEG (turned by hambot) keeps nearly all of the camera's detail


def no_camera_found(tool, chosen):
    """Whether the test pattern stood in for a camera: `auto` found none, rather than the owner choosing it."""
    return tool == TEST_PATTERN and chosen == "auto"


class CameraError(Exception):
    """The capture failed; the message is one sentence a visitor can read."""

    def __init__(self, sentence, tool=None, detail=None):
        super().__init__(sentence)
        self.tool = tool  # the camera tool that failed, when camera_access.sh named it
        self.detail = detail  # the tool's own last line, for the log


@dataclass(frozen=True)
class CapturedImage:
    path: Path
    content_type: str
    width: int
    height: int
    size: int
    seconds: float
    tool: str | None = None  # what camera_access.sh said it used; None for a script of the user's own
    note: str | None = None  # a photo that came out other than asked, in a sentence


@dataclass(frozen=True)
class CameraOptions:
    """What the camera script is asked for, through HAMBOT_* variables; the same for the server and the timers."""

    tool: str = "auto"
    video_device: str = "/dev/video0"
    resolution: str = "1280x720"
    rotation: int = 0
    hflip: bool = False
    vflip: bool = False
    autofocus: bool = True

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.camera, str(settings.video_device), settings.resolution, settings.rotation,
                   settings.hflip, settings.vflip, settings.autofocus)

    def environment(self):
        flag = {True: "1", False: "0"}
        return {"HAMBOT_CAMERA": self.tool, "HAMBOT_VIDEO_DEVICE": self.video_device,
                "HAMBOT_RESOLUTION": self.resolution, "HAMBOT_ROTATION": str(self.rotation),
                "HAMBOT_HFLIP": flag[self.hflip], "HAMBOT_VFLIP": flag[self.vflip],
                "HAMBOT_AUTOFOCUS": flag[self.autofocus]}

    @property
    def frame_size(self):
        """(width, height) of the finished photo: a camera turned by 90 or 270 degrees gives a standing frame."""
        width, height = (int(n) for n in self.resolution.split("x"))
        return (height, width) if self.rotation in (90, 270) else (width, height)


@dataclass(frozen=True)
class _Run:
    """What the script said about itself: the tool it used, and whether that tool turned the photo already."""

    tool: str | None
    oriented: bool
    not_found: str = ""  # why the tools before it were passed over ("rpicam-still sees no camera: ...")


class Camera:
    def __init__(self, script, timeout, max_bytes, options=CameraOptions()):
        self.script = Path(script) if script else None  # None: a server with no camera (CAMERA_SCRIPT = None)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.options = options

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.camera_script, settings.camera_timeout, settings.max_photo_bytes,
                   CameraOptions.from_settings(settings))

    def capture(self, path, on_start=None):
        """Run `script path`; return the checked image or raise CameraError, leaving no file.

        on_start(pid) is called once the script runs; its pid is also its process group.
        """
        if self.script is None:
            raise CameraError(NO_CAMERA)
        started = time.monotonic()
        try:
            run = self._run(path, on_start)
            try:
                image = self._check(path, time.monotonic() - started, run)
            except CameraError as error:
                error.tool = run.tool
                raise
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        return image

    def _run(self, path, on_start):
        env = {k: v for k, v in os.environ.items() if k not in HIDDEN_FROM_SCRIPT}
        env.update(self.options.environment())
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
                finished = self._wait(process)
            finally:
                _signal_group(process.pid, signal.SIGKILL)  # children it left behind
            said = _tail(output)
            run = _Run(_tool_of(said), ORIENTED.search(said) is not None, "; ".join(NOT_FOUND.findall(said)))
            if not finished:
                raise CameraError(explain_timeout(run.tool, self.timeout, said), run.tool, tool_line(said))
            if process.returncode != 0:
                raise CameraError(explain_failure(run.tool, process.returncode, said), run.tool, tool_line(said))
            untrue = explain_false_success(said)  # fswebcam exits 0 having written a black frame
            if untrue:
                raise CameraError(untrue, run.tool, tool_line(said))
            if run.tool == TEST_PATTERN:
                log.warning("no camera was found, so the test pattern is stored: %s", run.not_found)
            log.debug("camera script said: %s", said)
            return run

    def _wait(self, process):
        """True once the script exited by itself; False when it had to be stopped at the time-out."""
        if _exited_within(process, self.timeout):
            return True
        _signal_group(process.pid, signal.SIGTERM)
        if not _exited_within(process, KILL_GRACE):
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        return False

    def _check(self, path, seconds, run):
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
        if not run.oriented and self._turns():
            width, height = orient(path, content_type, self.options)
            info = os.stat(path)
        note = self._note(run, width, height)
        return CapturedImage(Path(path), content_type, width, height, info.st_size, seconds, run.tool, note)

    def _turns(self):
        options = self.options
        return bool(options.rotation or options.hflip or options.vflip)

    def _note(self, run, width, height):
        if no_camera_found(run.tool, self.options.tool):
            return f"No camera was found ({run.not_found})." if run.not_found else "No camera was found."
        return self._size_note(width, height) if run.tool else None

    def _size_note(self, width, height):
        """Webcams quietly fall back to a mode they have (fswebcam, ffmpeg): say so rather than hide it."""
        asked = self.options.frame_size
        if (width, height) == asked:
            return None
        return (f"The camera gave {width}×{height} pixels, not the {asked[0]}×{asked[1]} asked for; "
                "set RESOLUTION to a size it offers.")


def orient(path, content_type, options):
    """Mirror, then turn clockwise, as rpicam-still's --hflip/--vflip/--rotation would; returns the new size."""
    with Image.open(path) as image:
        image.load()
        turned = image
        if options.hflip:
            turned = turned.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if options.vflip:
            turned = turned.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        if options.rotation:
            turned = turned.rotate(-options.rotation, expand=True)
        temp = Path(path).with_name(Path(path).name + ".turned")
        try:
            if content_type == "image/jpeg":
                exif = image.getexif()
                exif.pop(EXIF_ORIENTATION, None)  # the pixels stand upright now
                turned.save(temp, "JPEG", quality=SAVE_QUALITY, exif=exif)
            else:
                turned.save(temp, "PNG")
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return turned.size


def inspect_image(path, maker="The camera produced"):
    """Decode enough of the file to be sure it is a whole JPEG or PNG; return type and size. `maker` begins
    each refusal's sentence ("The upload is" for an uploaded photo)."""
    try:
        with Image.open(path) as image:
            content_type = CONTENT_TYPES.get(image.format)
            if content_type is None:
                raise CameraError(f"{maker} a {image.format} image, not a JPEG or PNG.")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise CameraError(f"{maker} an image of {width}×{height} pixels, too large to keep.")
            if image.format == "JPEG":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # decode at 1/8 scale
                image.load()
            else:
                image.verify()  # every chunk's checksum, without inflating the pixels
    except UnidentifiedImageError:
        raise CameraError(f"{maker} something that is not a JPEG or PNG image.") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise CameraError(f"{maker} a damaged image ({error}).") from None
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


def _tail(output):
    """The last few kB the script and its tool printed, without colour codes (fswebcam writes them to any stream)."""
    output.seek(0, os.SEEK_END)
    output.seek(max(0, output.tell() - STDERR_TAIL))
    return ANSI_CODES.sub("", output.read().decode("utf-8", "replace"))


def _tool_of(said):
    found = USING.findall(said)
    return found[-1] if found else None


def _megabytes(size):
    return f"{size / 1048576:.1f} MB"
