#!/usr/bin/env bash
# Writes a 3 MB file (tests set MAX_PHOTO_MB=1).
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
head -c 3000000 /dev/zero >"$1"
