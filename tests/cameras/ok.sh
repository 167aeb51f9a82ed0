#!/usr/bin/env bash
# Writes a good JPEG at once.
set -eu
. "$(dirname "$0")/_fake.sh"
cp "$here/sample.jpg" "$1"
