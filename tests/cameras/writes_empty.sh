#!/usr/bin/env bash
# Leaves an empty file, as fswebcam does when the device vanishes.
set -eu
. "$(dirname "$0")/_fake.sh"
: >"$1"
