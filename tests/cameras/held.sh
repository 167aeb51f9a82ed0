#!/usr/bin/env bash
# Waits until the file FAKE_CAMERA_RELEASE exists (at most 60 s), then writes a good JPEG.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
wait_for_release
cp "$here/sample.jpg" "$1"
