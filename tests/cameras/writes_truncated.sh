#!/usr/bin/env bash
# Writes the first half of a JPEG, as a capture cut short does.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
head -c 1000 "$here/sample.jpg" >"$1"
