#!/usr/bin/env bash
# Behaves like FAKE_CAMERA_FAULT (another fake camera) on its first run, then like ok.sh: a fault, then recovery.
set -eu
here=$(dirname "$0")
if [ ! -e "$FAKE_CAMERA_STATE" ]; then
  touch "$FAKE_CAMERA_STATE"
  exec "$here/$FAKE_CAMERA_FAULT" "$@"
fi
exec "$here/ok.sh" "$@"
