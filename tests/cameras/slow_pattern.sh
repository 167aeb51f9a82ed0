#!/usr/bin/env bash
# The real camera_access.sh drawing its test pattern after FAKE_CAMERA_SECONDS (default 2): a slow camera.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
sleep "${FAKE_CAMERA_SECONDS:-2}"
HAMBOT_CAMERA=test-pattern HAMBOT_RESOLUTION=800x600 "$here/../../camera_access.sh" "$1"
