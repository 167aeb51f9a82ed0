"""The device nodes a camera is read through, and the class each has in /proc/devices.

From the sources (docs/camera-and-probe.md): libcamera opens /dev/media*, /dev/video* and /dev/v4l-subdev*, and
its and rpicam-apps' capture buffers come from /dev/dma_heap/* (linux,cma, system, or the vidbuf_cached link to one
of them); a USB webcam is /dev/video*. systemd's DeviceAllow= takes a node or a class ("char-video4linux"), never a
folder, so the service units allow these classes.
"""

CAMERA_NODES = {  # a glob under /dev: its class in /proc/devices
    "video*": "video4linux",
    "v4l-subdev*": "video4linux",
    "media*": "media",
    "dma_heap/*": "dma_heap",
}
