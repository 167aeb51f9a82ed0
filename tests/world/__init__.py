"""The hardware around hambot, faked at the tools: a Pi camera, a USB webcam, and what can go wrong with each.

A World is a folder of fake camera tools (fake_tools.py behind each name) and the world.json they read.
Put world.bin first on the camera script's PATH, and camera_access.sh meets these tools as it would on a Pi.
"""

import json
import os
import shutil
import sys
from pathlib import Path

FAKES = Path(__file__).with_name("fake_tools.py")
TOOLS = ("rpicam-still", "libcamera-still", "fswebcam", "ffmpeg")
BASICS = ("bash", "dirname", "env", "cat", "sh")  # what camera_access.sh itself runs, and nothing camera-like


class World:
    def __init__(self, root, tools=("rpicam-still",)):
        self.root = Path(root)
        self.bin = self.root / "bin"
        self.bin.mkdir(parents=True)
        self.basics = self.root / "basics"  # so a camera tool installed on this machine is never found instead
        self.basics.mkdir()
        for tool in BASICS:
            os.symlink(shutil.which(tool), self.basics / tool)
        os.symlink(os.path.realpath(sys.executable), self.basics / "python3")  # the interpreter, not a venv or shim
        self.device = self.root / "dev" / "video0"
        self.device.parent.mkdir()
        self.state = {}
        for tool in tools:
            self.install(tool)
        self._write()

    def reset(self, tools=("rpicam-still",)):
        """Nothing attached, and only `tools` installed."""
        for tool in TOOLS:
            (self.bin / tool).unlink(missing_ok=True)
        for tool in tools:
            self.install(tool)
        self.device.unlink(missing_ok=True)
        self.state = {}
        self._write()

    def install(self, tool):
        """A fake `tool` on PATH, run by this interpreter (which has Pillow, as the real tools have libjpeg)."""
        shim = self.bin / tool
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKES}" "$0" "$@"\n')
        shim.chmod(0o755)

    def pi_camera(self, sensor="imx708", **details):
        """A Pi camera on the ribbon cable; details: state (busy, hang), devices (denied, sandboxed),
        dma_heap (blocked), board (pi4, pi5), seconds."""
        self.state["pi_camera"] = {"sensor": sensor, **details}
        self._write()

    def webcam(self, **details):
        """A USB webcam at self.device; details: state (busy, denied, sandboxed, vanished, corrupt, hang),
        modes, raw_modes, mjpeg (False: raw only), dark_frames."""
        self.device.touch()
        self.state["webcam"] = details
        self._write()

    def unplug_webcam(self):
        self.device.unlink(missing_ok=True)
        self.state.pop("webcam", None)
        self._write()

    def calls(self):
        """Each tool run: [name, arg, ...]."""
        log = self.bin / "calls.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def environ(self, base=None):
        """The environment a camera script meets on this world: these tools, and no camera tool of this machine's."""
        environ = dict(os.environ if base is None else base)
        environ["PATH"] = f"{self.bin}:{self.basics}"
        return environ

    def _write(self):
        (self.bin / "world.json").write_text(json.dumps(self.state))
