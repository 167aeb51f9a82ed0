#!/usr/bin/env bash
# Leaves an empty file, as fswebcam does when the device vanishes.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
: >"$1"
