#!/usr/bin/env bash
# Writes a good JPEG at once.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
cp "$here/sample.jpg" "$1"
