#!/usr/bin/env bash
# A camera script of the owner's own that fails with its own words (the real tools' failures: tests/world).
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
echo "my-camera: starting" >&2
echo "my-camera: the lens cover is closed" >&2
exit 1
