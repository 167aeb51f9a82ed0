"""Fakes of the camera tools hambot meets on a Pi: rpicam-still (and its old name libcamera-still), fswebcam, ffmpeg.

Each takes its tool's real options, prints its tool's real messages to the same stream, and exits with its real
codes; docs/camera-and-probe.md says where each behaviour is written (rpicam-apps' core/options.cpp and
apps/rpicam_still.cpp, libcamera's camera.cpp and media_device.cpp, fswebcam's fswebcam.c, src.c, src_v4l2.c and
log.c as Debian ships them (20140113), FFmpeg's libavdevice/v4l2.c and fftools). What the hardware does
(which camera is attached, busy, unplugged, refused) comes from world.json beside the fake, which tests set through
tests/world/__init__.py. Run as: fake_tools.py PATH-OF-THE-TOOL-AS-CALLED ARGS...
"""

import json
import re
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

LIBCAMERA_BANNER = "[0:00:00.101552741] [2311]  INFO Camera camera_manager.cpp:327 libcamera v0.3.2+99-1230f78d"
PI4_CAMERA_ID = "/base/soc/i2c0mux/i2c@1/imx708@1a"
SENSORS = {"imx708": ((4608, 2592), True), "imx219": ((3280, 2464), False)}  # full size, has autofocus
RED = "\033[31m"
BOLD = "\033[1m"
PLAIN = "\033[0m"


def world(tool_path):
    return json.loads((Path(tool_path).parent / "world.json").read_text())


def draw(path, size, dark=False, turn=(0, False, False), fmt="JPEG"):
    """A frame whose top-left corner is red and top-right blue, so a test can tell how it was turned."""
    width, height = size
    image = Image.new("RGB", (width, height), (10, 10, 10) if dark else (120, 160, 90))
    if not dark:
        pen = ImageDraw.Draw(image)
        side = max(4, min(width, height) // 5)
        pen.rectangle([0, 0, side, side], fill=(230, 20, 20))
        pen.rectangle([width - side - 1, 0, width - 1, side], fill=(20, 20, 230))
    rotation, hflip, vflip = turn
    if hflip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if vflip:
        image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if rotation:
        image = image.rotate(-rotation, expand=True)
    image.save(path, fmt, quality=90)


def say(*lines, stream=sys.stderr):
    for line in lines:
        print(line, file=stream)
    stream.flush()


# --- rpicam-still -------------------------------------------------------------------------------------------------

RPICAM_FLAGS = {"--nopreview", "-n", "--hflip", "--vflip", "--autofocus-on-capture", "--immediate", "--list-cameras",
                "--help", "-h", "--version", "--zsl"}
RPICAM_VALUES = {"--timeout", "-t", "--width", "--height", "--output", "-o", "--rotation", "--encoding", "-e",
                 "--quality", "-q", "--camera", "--verbose", "-v"}
TIME_VALUE = re.compile(r"(\d+(?:\.\d+)?)(min|sec|s|ms|us|ns)?[a-z]*")


def rpicam_options(args):
    """Parsed as boost::program_options would; an error is the text rpicam-still's main() prints."""
    options = {}
    args = list(args)
    while args:
        arg = args.pop(0)
        name, _, inline = arg.partition("=")
        if name in RPICAM_FLAGS:
            options[name] = True
        elif name in RPICAM_VALUES:
            if not inline and not args:
                raise ValueError(f"the required argument for option '{name}' is missing")
            options[name] = inline or args.pop(0)
        else:
            raise ValueError(f"unrecognised option '{name}'")
    for name in ("--width", "--height", "--rotation", "--quality"):
        if name in options and not re.fullmatch(r"-?\d+", options[name]):
            raise ValueError(f"the argument ('{options[name]}') for option '{name}' is invalid")
    return options


def rpicam_still(state, args):
    pi = state.get("pi_camera") or {}
    if pi.get("dma_heap") == "blocked":
        say("Could not open any dmaHeap device")  # printed by the app's constructor, before the options are read
    try:
        options = rpicam_options(args)
    except ValueError as error:
        say(f"ERROR: *** {error} ***")
        return 255
    if "--help" in options or "-h" in options:
        say("Valid options are:", "  -h [ --help ] [=arg(=1)] (=0)     Print this help message", stream=sys.stdout)
        return 0
    cameras = _registered(pi)
    if "--list-cameras" in options:
        return _list_cameras(pi, cameras)
    say(LIBCAMERA_BANNER)
    why_not = _why_no_camera(pi)
    if why_not:
        say(*why_not)
    if not cameras:
        say("ERROR: *** no cameras available ***")
        return 255
    say(f"[0:00:00.14] [2314]  INFO RPI vc4.cpp:447 Registered camera {PI4_CAMERA_ID} to Unicam device /dev/media3 "
        "and ISP device /dev/media0")
    if pi.get("state") == "busy":
        say("[0:00:00.15] [2311]  INFO Camera camera.cpp:1008 Pipeline handler in use by another process",
            f"ERROR: *** failed to acquire camera {PI4_CAMERA_ID} ***")
        return 255
    return _rpicam_capture(pi, options)


def _registered(pi):
    """The cameras libcamera registers: none without the sensor, the media devices, or (on a Pi 4) the CMA heap."""
    if not pi.get("sensor") or pi.get("devices") in ("denied", "sandboxed"):
        return []
    if pi.get("dma_heap") == "blocked" and pi.get("board", "pi4") == "pi4":
        return []
    return [pi["sensor"]]


def _why_no_camera(pi):
    errno_text = {"denied": "Permission denied", "sandboxed": "Operation not permitted"}.get(pi.get("devices"))
    if errno_text and pi.get("sensor"):
        return [f"[0:00:00.11] [2311] ERROR MediaDevice media_device.cpp:237 Failed to open media device at "
                f"/dev/media0: {errno_text}",
                f"[0:00:00.11] [2311]  INFO DeviceEnumerator device_enumerator.cpp:324 Unable to populate media device "
                f"/dev/media0 ({errno_text}), skipping"]
    if pi.get("sensor") and pi.get("dma_heap") == "blocked" and pi.get("board", "pi4") == "pi4":
        return ["[0:00:00.14] [2314] ERROR RPI vc4.cpp:531 Failed to register camera imx708 10-001a: -12"]
    return []


def _list_cameras(pi, cameras):
    """--list-cameras: libcamera's log is off, the list goes to stdout, and the exit status is 0 either way."""
    if not cameras:
        say("No cameras available!", stream=sys.stdout)
        return 0
    (width, height), _ = SENSORS[cameras[0]]
    say("Available cameras", "-----------------",
        f"0 : {cameras[0]} [{width}x{height} 10-bit RGGB] ({PI4_CAMERA_ID})",
        "    Modes: 'SRGGB10_CSI2P' : 1536x864 [120.13 fps - (768, 432)/3072x1728 crop]",
        f"                             {width}x{height} [14.35 fps - (0, 0)/{width}x{height} crop]", "",
        stream=sys.stdout)
    return 0


def _rpicam_capture(pi, options):
    rotation = int(options.get("--rotation", "0"))
    if rotation % 360 in (90, 270):
        say("ERROR: *** transforms requiring transpose not supported ***")
        return 255
    if rotation % 360 not in (0, 180):
        say("ERROR: *** illegal rotation value ***")
        return 255
    full, autofocus = SENSORS[pi["sensor"]]
    if "--autofocus-on-capture" in options and not autofocus:
        say("[0:00:00.51] [2315]  WARN IPARPI ipa_base.cpp:1290 Could not set AF_MODE - no AF algorithm",
            "[0:00:00.51] [2315]  WARN IPARPI ipa_base.cpp:1341 Could not set AF_TRIGGER - no AF algorithm or not Auto")
    if pi.get("state") == "hang":  # a loose ribbon cable: rpicam-still restarts the camera forever
        while True:
            say("[0:00:02.11] [2316]  WARN V4L2 v4l2_videodevice.cpp:2095 /dev/video0[13:cap]: Dequeue timer of "
                "1000000.00us has expired!",
                "[0:00:02.11] [2316] ERROR RPI pipeline_base.cpp:1333 Camera frontend has timed out!",
                "ERROR: Device timeout detected, attempting a restart!!!")
            time.sleep(1)
    output = options.get("--output") or options.get("-o")
    if not output:
        return 0
    size = (int(options.get("--width", "0")) or full[0], int(options.get("--height", "0")) or full[1])
    time.sleep(float(pi.get("seconds", 0)))
    draw(output, size, turn=(rotation % 360, "--hflip" in options, "--vflip" in options))
    say("Still capture image received")
    return 0


# --- fswebcam (Debian's 20140113: it exits 0 whatever went wrong) ---------------------------------------------------

FSWEBCAM_VALUES = {"-d": "device", "--device": "device", "-r": "resolution", "--resolution": "resolution",
                   "-S": "skip", "--skip": "skip", "-F": "frames", "--frames": "frames", "--jpeg": "jpeg",
                   "--png": "png", "--rotate": "rotate", "--flip": "flip", "-D": "delay", "--delay": "delay",
                   "-i": "input", "--input": "input", "-p": "palette", "--palette": "palette", "-L": "log",
                   "--log": "log"}
FSWEBCAM_FLAGS = {"-q", "--quiet", "-v", "--verbose", "--no-banner", "--no-timestamp", "-R", "--read"}
FSWEBCAM_USAGE = "Usage: fswebcam [<options>] <filename> [[<options>] <filename> ... ]"


def log(level, text, quiet=False):
    """fswebcam's log.c: every line to stderr in colour, the colour codes written even when stderr is no terminal."""
    if quiet and level != "error":
        return
    colour = {"error": RED, "head": BOLD}.get(level, PLAIN)
    sys.stderr.write(f"{colour}{text}\n{PLAIN}")
    sys.stderr.flush()


def fswebcam(state, args):
    options, outputs = {"device": "/dev/video0", "resolution": "384x288", "skip": "0"}, []
    quiet = False
    args = list(args)
    while args:
        arg = args.pop(0)
        if arg in FSWEBCAM_VALUES and args:
            options[FSWEBCAM_VALUES[arg]] = args.pop(0)
        elif arg in FSWEBCAM_FLAGS:
            quiet = arg in ("-q", "--quiet") or (quiet and arg not in ("-v", "--verbose"))
        elif arg.startswith("-"):
            say(FSWEBCAM_USAGE, stream=sys.stdout)  # opterr = 0: no getopt message, just the usage
            return 255
        else:
            outputs.append(arg)
    webcam = state.get("webcam") or {}
    device = options["device"]
    log("head", f"--- Opening {device}...", quiet)
    if not Path(device).exists():
        log("error", "stat: No such file or directory", quiet)
        return 0
    refused = {"denied": "Permission denied", "sandboxed": "Operation not permitted"}.get(webcam.get("state"))
    if refused:
        for module in ("v4l2", "v4l1"):
            log("message", f"Trying source module {module}...", quiet)
            log("error", f"Error opening device: {device}", quiet)
            log("error", f"open: {refused}", quiet)
        log("error", f"Unable to find a source module that can read {device}.", quiet)
        return 0
    log("message", "Trying source module v4l2...", quiet)
    log("message", f"{device} opened.", quiet)
    log("message", "No input was specified, using the first.", quiet)
    if webcam.get("state") == "busy":
        log("error", "Error selecting input 0", quiet)
        log("error", "VIDIOC_S_INPUT: Device or resource busy", quiet)
        return 0
    if webcam.get("state") == "vanished":
        log("error", "Error selecting input 0", quiet)
        log("error", "VIDIOC_S_INPUT: No such device", quiet)
        return 0
    size = _webcam_mode(webcam, options["resolution"], quiet)
    if webcam.get("state") == "hang":
        time.sleep(3600)
    skip = int(options["skip"])
    if skip:
        log("message", f"Skipping {skip} frames...", quiet)
    log("head", "--- Capturing frame...", quiet)
    log("message", "Captured frame in 0.03 seconds.", quiet)
    log("head", "--- Processing captured image...", quiet)
    corrupt = webcam.get("state") == "corrupt"
    if corrupt:  # libgd's own handler, outside fswebcam's logger, with no newline; a black image is written
        sys.stderr.write("GD Warning: gd-jpeg: JPEG library reports unrecoverable error: Invalid component ID 9 in "
                         "SOS")
    dark = corrupt or skip < int(webcam.get("dark_frames", 0))
    for output in outputs:
        log("message", f"Writing JPEG image to '{output}'.", quiet)
        try:
            draw(output, size, dark=dark)
        except OSError as error:
            log("error", f"Error opening file for output: {output}", quiet)
            log("error", f"fopen: {error.strerror}", quiet)
    return 0


def _webcam_mode(webcam, asked, quiet, message="Adjusting resolution from {asked} to {mode}."):
    modes = webcam.get("modes", ["640x480", "1280x720"])
    if asked in modes:
        mode = asked
    else:
        mode = modes[0]
        log("message", message.format(asked=asked, mode=mode), quiet)
    width, height = mode.split("x")
    return int(width), int(height)


# --- ffmpeg with the v4l2 input ------------------------------------------------------------------------------------

FFMPEG_FLAGS = {"-hide_banner", "-nostdin", "-y", "-n"}
FFMPEG_VALUES = {"-loglevel", "-v", "-f", "-input_format", "-video_size", "-i", "-vf", "-frames:v", "-update", "-q:v",
                 "-framerate", "-ss", "-fps_mode", "-vsync", "-pix_fmt", "-c:v"}
FFMPEG_FAILED = 1  # FFmpeg 5.1's fftools end with 1 on any error; 7.x returns the AVERROR, which is non-zero too


def ffmpeg(state, args):
    """FFmpeg 5.1 (Debian 12, Raspberry Pi OS bookworm): errors print at any -loglevel, and end with status 1."""
    options, rest, output = {}, list(args), None
    while rest:
        arg = rest.pop(0)
        if arg in FFMPEG_FLAGS:
            options[arg] = True
        elif arg in FFMPEG_VALUES and rest:
            options[arg] = rest.pop(0)
        elif arg.startswith("-"):
            say(f"Unrecognized option '{arg.lstrip('-')}'.", "Error splitting the argument list: Option not found")
            return FFMPEG_FAILED
        else:
            output = arg
    info = options.get("-loglevel", options.get("-v", "info")) in ("info", "verbose", "debug", "trace")
    webcam = state.get("webcam") or {}
    device = options.get("-i", "")
    failure = _ffmpeg_open(webcam, device, options.get("-input_format"))
    if failure:
        say(*failure)
        return FFMPEG_FAILED
    mode = _ffmpeg_mode(webcam, options)
    if mode != options.get("-video_size", mode) and info:
        say(f"{V4L2_PREFIX} The V4L2 driver changed the video from {options['-video_size']} to {mode}")
    if webcam.get("state") == "hang":
        time.sleep(3600)
    if output is None:
        say("At least one output file must be specified")
        return FFMPEG_FAILED
    skipped = _frames_skipped(options.get("-vf", ""))
    try:
        draw(output, mode, dark=skipped < int(webcam.get("dark_frames", 0)))
    except OSError:
        say(f"[image2 @ 0x55d0c8a9c0] Could not open file : {output}",
            "av_interleaved_write_frame(): Input/output error")
        return FFMPEG_FAILED
    return 0


V4L2_PREFIX = "[video4linux2,v4l2 @ 0x55d0c8a3c0]"


def _ffmpeg_open(webcam, device, input_format):
    """The lines ffmpeg prints when the device cannot be opened or read as asked, or None."""
    if not Path(device).exists():
        return [f"{V4L2_PREFIX} Cannot open video device {device}: No such file or directory",
                f"{device}: No such file or directory"]
    refused = {"denied": "Permission denied", "sandboxed": "Operation not permitted",
               "vanished": "No such device"}.get(webcam.get("state"))
    if refused:
        return [f"{V4L2_PREFIX} Cannot open video device {device}: {refused}", f"{device}: {refused}"]
    if webcam.get("state") == "busy":  # uvcvideo refuses VIDIOC_S_FMT, which v4l2.c does not log itself
        return [f"{device}: Device or resource busy"]
    if input_format == "mjpeg" and not webcam.get("mjpeg", True):
        return [f"{V4L2_PREFIX} Cannot find a proper format for codec 'mjpeg' (id 7), pixel format 'none' (id -1)",
                f"{device}: Invalid argument"]
    return None


def _ffmpeg_mode(webcam, options):
    """The size uvcvideo gives: the asked one if the format has it, else its first (nearest, in these tests)."""
    modes = webcam.get("modes", ["640x480", "1280x720"])
    if options.get("-input_format") != "mjpeg":  # raw YUYV: USB 2 bandwidth leaves only the small modes
        modes = webcam.get("raw_modes", ["640x480"])
    asked = options.get("-video_size", modes[0])
    mode = asked if asked in modes else modes[0]
    width, height = mode.split("x")
    return int(width), int(height)


def _frames_skipped(filters):
    match = re.search(r"select=gte\(n\\?,(\d+)\)", filters)
    return int(match.group(1)) if match else 0


TOOLS = {"rpicam-still": rpicam_still, "libcamera-still": rpicam_still, "fswebcam": fswebcam, "ffmpeg": ffmpeg}


def main(argv):
    called = argv[1]
    with open(Path(called).parent / "calls.log", "a") as calls:
        calls.write(json.dumps([Path(called).name, *argv[2:]]) + "\n")
    return TOOLS[Path(called).name](world(called), argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
