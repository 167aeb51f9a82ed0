#!/usr/bin/env bash
# Writes text where an image should be.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
echo "this is not an image" >"$1"
