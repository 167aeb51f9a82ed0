"""What the camera tools' own words mean, as one sentence a visitor or owner can act on.

The patterns are the tools' real messages, from their sources (docs/camera-and-probe.md names each one):
rpicam-apps and libcamera for the Pi camera, fswebcam and ffmpeg's v4l2 input for a USB webcam.
No library reads these tools' output, so the table is hand-kept; unknown messages pass through as they are.
"""

import re
import signal

SCRIPT_PREFIX = "camera_access.sh:"
USING = re.compile(r"^camera_access\.sh: using ", re.MULTILINE)
MAX_LINE = 300

BUSY = ("Another program is using the camera (a second hambot, a video call or a test left running); "
        "stop it, then press again.")
NO_CAMERA = ("No camera is connected, or the Pi does not detect it: check the ribbon cable or plug the webcam in "
             "again, then run: hambot doctor")
NOT_ALLOWED = ("hambot's user may not open the camera device: add it to the video group "
               "(sudo usermod -aG video hambot), then restart hambot.")
SANDBOXED = ("The service's sandbox does not let hambot open the camera device (a DeviceAllow rule is missing); "
             "reinstall the units with: sudo hambot install-service")
VANISHED = "The camera device vanished (unplugged, or its driver reset); plug it in again, then press again."
NO_BUFFERS = ("The camera's memory (/dev/dma_heap) could not be opened: the service's device rules do not allow it; "
              "reinstall the units with: sudo hambot install-service")

# A device the tool could not open or use, as each says it: fswebcam ("open: ...", "VIDIOC_S_INPUT: ..."),
# ffmpeg ("Cannot open video device /dev/video0: ...", "/dev/video0: ...", "ioctl(VIDIOC_STREAMON): ..."),
# libcamera ("Failed to open media device at /dev/media0: ...").
OPENING = (r"(?:^open|^VIDIOC_\w+|ioctl\(VIDIOC_\w+\)|Cannot open video device \S+|Failed to open media device at \S+|"
           r"Failed to open V4L2 device '[^']+'|^/dev/\S+): ")

# Checked in order: the first pattern found in the chosen tool's output decides.
KNOWN = (
    (re.compile(r"Could not open any dmaHeap device|Could not open any dma-buf provider|"
                r"failed to allocate capture buffers"), NO_BUFFERS),
    (re.compile(r"Device or resource busy|failed to acquire camera|in use by another process"), BUSY),
    (re.compile(OPENING + "Operation not permitted", re.MULTILINE), SANDBOXED),
    (re.compile(OPENING + "Permission denied", re.MULTILINE), NOT_ALLOWED),
    (re.compile(OPENING + r"No such device\b", re.MULTILINE), VANISHED),
    (re.compile(r"no cameras available|^stat: No such file or directory|"
                r"Cannot open video device \S+: No such file or directory", re.MULTILINE), NO_CAMERA),
)
# Tools that exit 0 all the same: fswebcam (Debian's 20140113) writes a black frame when libgd cannot decode one.
FALSE_SUCCESS = (
    (re.compile(r"JPEG library reports unrecoverable error"),
     "The webcam sent a damaged frame, so fswebcam wrote a black picture; press again, or try another USB port."),
)
STOPPED_STREAMING = ("The camera stopped sending frames: check that its ribbon cable sits firmly at both ends "
                     "(or try another cable).")
# libcamera's log lines ("[0:00:01.23] [1234]  INFO Camera camera_manager.cpp:327 ...") that are not the reason.
CHATTER = re.compile(r"^\[\d+:\d\d:\d\d\.\d+\] \[\d+\] +(INFO|DEBUG)\b")


def explain_failure(tool, status, said):
    """The sentence for a camera run that exited with `status`, from what it printed (`said`)."""
    said = _tool_part(said)
    known = _known(said)
    if known:
        return known
    line = tool_line(said)
    if line.startswith(SCRIPT_PREFIX):  # the script itself refused, before any tool ran
        return _sentence(line.removeprefix(SCRIPT_PREFIX))
    if tool:
        return f"{tool} failed: {line}" if line else f"{tool} failed with exit status {status}."
    return _script_sentence(status, line)


def explain_false_success(said):
    """The sentence for a run that exited 0 but said its photo is not real; None when nothing says so."""
    said = _tool_part(said)
    for pattern, sentence in FALSE_SUCCESS:
        if pattern.search(said):
            return sentence
    return None


def explain_timeout(tool, timeout, said):
    """A run stopped at CAMERA_TIMEOUT: a known reason first (rpicam-still restarts a dead camera forever)."""
    said = _tool_part(said)
    if "Camera frontend has timed out" in said:
        return STOPPED_STREAMING
    known = _known(said)
    if known:
        return known
    who = f"The camera ({tool})" if tool else "The camera"
    return f"{who} did not answer within {timeout:g} s."


def tool_line(said):
    """The tool's own last words: its last line that is neither the script's summary nor libcamera's chatter."""
    lines = [_printable(line) for line in said.splitlines()]
    for line in reversed(lines):
        if line and not line.startswith(SCRIPT_PREFIX) and not CHATTER.match(line):
            return line
    return next((line for line in reversed(lines) if line), "")


def _tool_part(said):
    """What the chosen tool printed: the tools asked before it (rpicam-still listing no camera) are not the reason."""
    start = max((m.start() for m in USING.finditer(said)), default=0)
    return said[start:]


def _known(said):
    for pattern, sentence in KNOWN:
        if pattern.search(said):
            return sentence
    return None


def _script_sentence(status, line):
    """A camera script of the user's own: its exit status and its last line, as it said it."""
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.valid_signals() else -status
        sentence = f"The camera script was stopped by signal {name}"
    else:
        sentence = f"The camera script exited with status {status}"
    return f"{sentence}: {line}" if line else f"{sentence}."


def _sentence(text):
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _printable(line):
    return "".join(ch for ch in line.strip() if ch.isprintable())[:MAX_LINE]
