#!/usr/bin/env bash
# Takes one photo and writes it to OUTPUT:  ./camera_access.sh OUTPUT.jpg
#
# It asks each camera tool in turn whether it sees a camera, and uses the first that does:
# rpicam-still, else libcamera-still (a Pi camera; both list no camera for a USB webcam), then
# fswebcam, else ffmpeg (a USB webcam at HAMBOT_VIDEO_DEVICE), then imagesnap (macOS).
# With none of them it writes a labelled test pattern, so hambot works anywhere.
#
# hambot sets these from its settings (CAMERA, VIDEO_DEVICE, RESOLUTION, ROTATION, HFLIP, VFLIP, AUTOFOCUS);
# run by hand, set the ones you need:
#   HAMBOT_CAMERA        auto, or force a tool: rpicam-still, libcamera-still, fswebcam, ffmpeg,
#                        imagesnap or test-pattern
#   HAMBOT_VIDEO_DEVICE  the webcam device (default /dev/video0)
#   HAMBOT_RESOLUTION    WIDTHxHEIGHT (default 1280x720)
#   HAMBOT_ROTATION      0, 90, 180 or 270 degrees clockwise (default 0)
#   HAMBOT_HFLIP, HAMBOT_VFLIP   1 to mirror the photo (default 0)
#   HAMBOT_AUTOFOCUS     1 to focus before the photo on cameras that can (default 1)
#
# What it says on stderr is meant for people and for hambot alike: "camera_access.sh: using TOOL", and
# "camera_access.sh: TOOL applied the rotation and flips" when the tool turned the photo itself
# (otherwise hambot does it). The tool's own messages pass through unchanged.
set -euo pipefail

TOOLS="rpicam-still libcamera-still fswebcam ffmpeg imagesnap test-pattern"
WARMUP_FRAMES=10  # webcams' first frames are often dark or green while exposure settles

say() { echo "camera_access.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTPUT.jpg" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
device=${HAMBOT_VIDEO_DEVICE:-/dev/video0}
resolution=${HAMBOT_RESOLUTION:-1280x720}
rotation=${HAMBOT_ROTATION:-0}
hflip=${HAMBOT_HFLIP:-0}
vflip=${HAMBOT_VFLIP:-0}
autofocus=${HAMBOT_AUTOFOCUS:-1}
[[ $resolution =~ ^[0-9]+x[0-9]+$ ]] || fail "HAMBOT_RESOLUTION must look like 1280x720, not '$resolution'"
[[ $rotation =~ ^(0|90|180|270)$ ]] || fail "HAMBOT_ROTATION must be 0, 90, 180 or 270, not '$rotation'"
width=${resolution%x*}
height=${resolution#*x}

installed() { command -v "$1" >/dev/null 2>&1; }

# rpicam-still lists "0 : imx708 [4608x2592 ...] (/base/...)" on stdout for each camera it can use, or
# "No cameras available!"; it exits 0 either way. It never lists a USB webcam.
sees_pi_camera() {
  local listing line
  listing=$("$1" --list-cameras 2>&1) || true
  while IFS= read -r line; do
    [[ $line =~ ^[0-9]+\ :\  ]] && return 0
  done <<<"$listing"
  say "$1 sees no camera: ${listing//$'\n'/ }"
  return 1
}

sees_webcam() {
  if [ -e "$device" ]; then return 0; fi
  say "$1 has no webcam at $device"
  return 1
}

# Whether `auto` may pick this tool: it is installed and sees a camera.
usable() {
  case $1 in
    test-pattern) return 0 ;;
    rpicam-still) installed rpicam-still && sees_pi_camera rpicam-still ;;
    libcamera-still) ! installed rpicam-still && installed libcamera-still && sees_pi_camera libcamera-still ;;
    fswebcam) installed fswebcam && sees_webcam fswebcam ;;
    ffmpeg) ! installed fswebcam && installed ffmpeg && sees_webcam ffmpeg ;;
    imagesnap) installed imagesnap ;;
  esac
}

tool=${HAMBOT_CAMERA:-auto}
if [ "$tool" = auto ]; then
  for tool in $TOOLS; do
    usable "$tool" && break
  done
else
  [[ " $TOOLS " == *" $tool "* ]] || fail "CAMERA is '$tool'; use auto or one of: $TOOLS"
  [ "$tool" = test-pattern ] || installed "$tool" || fail "CAMERA is $tool, but $tool is not installed"
fi

pi_camera() {
  command=("$tool" --nopreview --timeout 1500 --width "$width" --height "$height" --output "$out")
  [ "$autofocus" = 1 ] && command+=(--autofocus-on-capture)
  if [ "$rotation" = 0 ] || [ "$rotation" = 180 ]; then  # libcamera turns by 0 or 180 only
    [ "$rotation" = 180 ] && command+=(--rotation 180)
    [ "$hflip" = 1 ] && command+=(--hflip)
    [ "$vflip" = 1 ] && command+=(--vflip)
    oriented=1
  fi
}

# $@: the input format options (none: the webcam's raw default); info-level output says when the driver
# changed the size, and the select filter skips the warm-up frames.
ffmpeg_command() {
  command=(ffmpeg -hide_banner -nostdin -loglevel info -y -f v4l2 "$@" -video_size "$resolution" -i "$device"
    -vf "select=gte(n\\,$WARMUP_FRAMES)" -frames:v 1 -update 1 -q:v 3 "$out")
}

case $tool in
  rpicam-still | libcamera-still)
    pi_camera ;;
  fswebcam)  # the image options come before the file name they apply to
    command=(fswebcam --no-banner --device "$device" --resolution "$resolution" --skip "$WARMUP_FRAMES"
      --jpeg 90 "$out") ;;
  ffmpeg)  # MJPEG gives webcams their large modes
    ffmpeg_command -input_format mjpeg ;;
  imagesnap)
    command=(imagesnap -q -w 1 "$out") ;;
  test-pattern)
    pattern="$here/hambot/core/testpattern.py"  # in a checkout
    [ -f "$pattern" ] || pattern="$here/testpattern.py"  # as hambot install-service lays it out
    [ -f "$pattern" ] || fail "no camera tool found, and $pattern is missing too"
    command=(python3 "$pattern" "$out" "$resolution") ;;
esac

# A webcam with no MJPEG mode: ffmpeg says so, and its raw mode is tried instead.
run_ffmpeg() {
  local said status=0
  said=$("${command[@]}" 2>&1) || status=$?
  echo "$said" >&2
  if [ "$status" -ne 0 ] && [[ $said == *"Cannot find a proper format for codec 'mjpeg'"* ]]; then
    say "$device has no MJPEG mode; trying its raw mode"
    ffmpeg_command
    status=0
    "${command[@]}" || status=$?
  fi
  return "$status"
}

say "using $tool"
status=0
if [ "$tool" = ffmpeg ]; then run_ffmpeg || status=$?; else "${command[@]}" || status=$?; fi
[ "$status" -eq 0 ] || fail "$tool failed with exit status $status"
[ -s "$out" ] || fail "$tool exited 0 but wrote no image to $out"
if [ -n "${oriented:-}" ] && [ "$rotation$hflip$vflip" != 000 ]; then
  say "$tool applied the rotation and flips"
fi
