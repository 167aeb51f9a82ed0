#!/usr/bin/env bash
# Waits like held.sh, then fails as fails.sh does.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
wait_for_release
echo "my-camera: the lens cover is closed" >&2
exit 1
