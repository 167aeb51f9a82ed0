#!/usr/bin/env bash
# Puts a symbolic link to a file outside the store where the image should be.
set -eu
here=$(dirname "$0")
# shellcheck source=tests/cameras/_fake.sh
. "$here/_fake.sh"
ln -s /etc/hostname "$1"
