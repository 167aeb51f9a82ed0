#!/usr/bin/env bash
# Writes a 3 MB file (tests set MAX_PHOTO_MB=1).
set -eu
. "$(dirname "$0")/_fake.sh"
head -c 3000000 /dev/zero >"$1"
