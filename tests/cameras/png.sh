#!/usr/bin/env bash
# Writes a good PNG at once.
set -eu
. "$(dirname "$0")/_fake.sh"
cp "$here/sample.png" "$1"
