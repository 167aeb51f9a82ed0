#!/usr/bin/env bash
# Writes a good JPEG after FAKE_CAMERA_SECONDS (default 2).
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
sleep "${FAKE_CAMERA_SECONDS:-2}"
cp "$here/sample.jpg" "$1"
