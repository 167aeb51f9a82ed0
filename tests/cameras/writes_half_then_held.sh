#!/usr/bin/env bash
# Writes half a JPEG, then waits for FAKE_CAMERA_RELEASE before writing the rest: a crash caught mid-write.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
head -c 1000 "$here/sample.jpg" >"$1"
wait_for_release
tail -c +1001 "$here/sample.jpg" >>"$1"
