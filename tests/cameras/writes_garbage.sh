#!/usr/bin/env bash
# Writes text where an image should be.
set -eu
. "$(dirname "$0")/_fake.sh"
echo "this is not an image" >"$1"
