#!/usr/bin/env bash
# Puts a symbolic link to a file outside the store where the image should be.
set -eu
. "$(dirname "$0")/_fake.sh"
ln -s /etc/hostname "$1"
