#!/usr/bin/env bash
# Writes a good JPEG but leaves a background child running.
set -eu
. "$(dirname "$0")/_fake.sh"
cp "$here/sample.jpg" "$1"
sleep 1000 &
