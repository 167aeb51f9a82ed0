#!/usr/bin/env bash
# Writes the first half of a JPEG, as a capture cut short does.
set -eu
. "$(dirname "$0")/_fake.sh"
head -c 1000 "$here/sample.jpg" >"$1"
