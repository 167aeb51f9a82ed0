#!/usr/bin/env bash
# Takes one photo and writes it to OUTPUT:  ./camera_access.sh OUTPUT.jpg
#
# Uses the first camera tool it finds: rpicam-still or libcamera-still (Pi camera),
# fswebcam or ffmpeg (USB webcam at HAMBOT_VIDEO_DEVICE), imagesnap (macOS).
# With none of them it writes a labelled test-pattern image, so hambot works anywhere.
#
# Environment:
#   HAMBOT_CAMERA        force a tool: rpicam-still, libcamera-still, fswebcam, ffmpeg,
#                        imagesnap or test-pattern
#   HAMBOT_VIDEO_DEVICE  the webcam device (default /dev/video0)
#   HAMBOT_RESOLUTION    WIDTHxHEIGHT (default 1280x960)
set -euo pipefail

TOOLS="rpicam-still libcamera-still fswebcam ffmpeg imagesnap test-pattern"

say() { echo "camera_access.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTPUT.jpg" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
device=${HAMBOT_VIDEO_DEVICE:-/dev/video0}
resolution=${HAMBOT_RESOLUTION:-1280x960}
[[ $resolution =~ ^[0-9]+x[0-9]+$ ]] || fail "HAMBOT_RESOLUTION must look like 1280x960, not '$resolution'"
width=${resolution%x*}
height=${resolution#*x}

available() {
  case $1 in
    test-pattern) return 0 ;;
    fswebcam | ffmpeg) [ -e "$device" ] && command -v "$1" >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

if [ -n "${HAMBOT_CAMERA:-}" ]; then
  tool=$HAMBOT_CAMERA
  [[ " $TOOLS " == *" $tool "* ]] || fail "HAMBOT_CAMERA is '$tool'; use one of: $TOOLS"
  available "$tool" || fail "HAMBOT_CAMERA is $tool, but $tool is not installed or $device is missing"
else
  for tool in $TOOLS; do
    available "$tool" && break
  done
fi

case $tool in
  rpicam-still | libcamera-still)
    command=("$tool" --nopreview --timeout 1500 --width "$width" --height "$height" --output "$out") ;;
  fswebcam)
    command=(fswebcam --quiet --no-banner --device "$device" --resolution "$resolution" --skip 5 --jpeg 90 "$out") ;;
  ffmpeg)
    command=(ffmpeg -hide_banner -loglevel error -y -f v4l2 -video_size "$resolution" -i "$device"
      -frames:v 1 -update 1 -q:v 3 "$out") ;;
  imagesnap)
    command=(imagesnap -q -w 1 "$out") ;;
  test-pattern)
    pattern="$here/hambot/testpattern.py"  # in a checkout
    [ -f "$pattern" ] || pattern="$here/testpattern.py"  # as hambot install-service lays it out
    [ -f "$pattern" ] || fail "no camera tool found, and $pattern is missing too"
    command=(python3 "$pattern" "$out") ;;
esac

say "using $tool"
status=0
"${command[@]}" || status=$?
[ "$status" -eq 0 ] || fail "$tool failed with exit status $status"
[ -s "$out" ] || fail "$tool exited normally but wrote no image to $out"
