#!/usr/bin/env bash
# Waits until the file FAKE_CAMERA_RELEASE exists (at most 60 s), then writes a good JPEG.
set -eu
. "$(dirname "$0")/_fake.sh"
for _ in $(seq 1200); do
  [ -e "$FAKE_CAMERA_RELEASE" ] && break
  sleep 0.05
done
cp "$here/sample.jpg" "$1"
