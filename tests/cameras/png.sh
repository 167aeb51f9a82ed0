#!/usr/bin/env bash
# Writes a good PNG at once.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
cp "$here/sample.png" "$1"
