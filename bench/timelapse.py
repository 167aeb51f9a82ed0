"""A 1,000-frame time-lapse: `hambot timelapse` (frames decoded, stamped and streamed to ffmpeg) against ffmpeg
encoding the same photos from files on its own (`ffmpeg -framerate 24 -i %05d.jpg`, same encoder settings).

Prints a table: wall time, frames a second, peak RSS of hambot and of ffmpeg (MB), and the movie's size.
hambot's peak comes from wait4(); its ffmpeg's from VmHWM in /proc, read every 20 ms until it exits.
Run: .venv/bin/python bench/timelapse.py [FRAMES]
"""

import datetime
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402

from hambot.core.days import bounds  # noqa: E402
from hambot.core.store import PHOTO_COLUMNS, PLACEHOLDERS, new_id, open_store  # noqa: E402
from hambot.core.timelapse import CRF, PRESET  # noqa: E402

DAY = datetime.date(2026, 5, 4)
SIZE = (1280, 720)


def photos(count):
    """JPEGs like a camera's: a lit enclosure with some grain and a pet that wanders across it."""
    rng = random.Random(1)
    base = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    grains = [Image.effect_noise(SIZE, 16).convert("RGB") for _ in range(8)]  # a sensor's grain moves
    for n in range(count):
        image = Image.blend(base, grains[n % len(grains)], 0.1)
        x = int((n / count) * (SIZE[0] - 200))
        ImageDraw.Draw(image).ellipse((x, 400 + rng.randint(-20, 20), x + 200, 560), fill=(150, 110, 70))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        yield out.getvalue()


def fill(data_dir, frames_dir, count):
    store = open_store(data_dir)
    start, end = bounds(DAY, datetime.timezone.utc)
    rows = []
    for n, data in enumerate(photos(count)):
        photo_id = new_id()
        (store.photos_dir / f"{photo_id}.jpg").write_bytes(data)
        (frames_dir / f"{n:05d}.jpg").write_bytes(data)
        rows.append((photo_id, start + n * (end - start) / count, 21.5, None, "bench", len(data), *SIZE,
                     "image/jpeg", 0, None, None, store.local_day(start + n * (end - start) / count).isoformat()))
    with store.database.transaction() as db:
        db.executemany(f"INSERT INTO photos ({PHOTO_COLUMNS}, day) VALUES ({PLACEHOLDERS}, ?)", rows)


def high_water(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def watch(parent, peaks, done):
    """The highest VmHWM of `parent` itself and of any child it started (its ffmpeg), read until `done` is set.

    (wait4's ru_maxrss would not do for hambot: Linux gives the larger of the process's and its children's.)
    """
    while not done.is_set():
        peaks[0] = max(peaks[0], high_water(parent))
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            children = []
        for child in children:
            peaks[1] = max(peaks[1], high_water(child))
        time.sleep(0.02)


def run_hambot(command, env):
    """(seconds, peak RSS of hambot, peak RSS of its ffmpeg)."""
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks, done = [0, 0], threading.Event()
    threading.Thread(target=watch, args=(process.pid, peaks, done), daemon=True).start()
    _, status, _ = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    done.set()
    _check(command, status, process)
    return seconds, peaks[0], peaks[1]


def run_alone(command):
    """(seconds, peak RSS) of ffmpeg by itself, from wait4 (it starts no children)."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    _check(command, status, process)
    return seconds, usage.ru_maxrss * 1024


def _check(command, status, process):
    if status != 0:
        raise SystemExit(f"{command[0]} failed: {process.stderr.read().decode()[-500:]}")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        data, frames = Path(folder) / "data", Path(folder) / "frames"
        frames.mkdir()
        fill(data, frames, count)
        env = dict(os.environ, HAMBOT_DATA_DIR=str(data), HAMBOT_TIMEZONE="UTC", HAMBOT_TEMPERATURE_SENSOR="none",
                   HAMBOT_CAMERA_SCRIPT=str(ROOT / "camera_access.sh"), HAMBOT_LOG_LEVEL="WARNING")
        rows = []
        seconds, own, child = run_hambot([sys.executable, "-m", "hambot", "timelapse", DAY.isoformat()], env)
        movie = data / "movies" / f"{DAY.isoformat()}.mp4"
        rows.append(("`hambot timelapse` (stamped, streamed)", seconds, own, child, movie.stat().st_size))
        for preset in (PRESET, "medium"):
            out = Path(folder) / f"alone-{preset}.mp4"
            seconds, own = run_alone(["ffmpeg", "-hide_banner", "-loglevel", "error", "-framerate", "24",
                                 "-i", str(frames / "%05d.jpg"), "-c:v", "libx264", "-preset", preset,
                                 "-crf", str(CRF), "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y",
                                 str(out)])
            rows.append((f"ffmpeg alone from JPEG files, `-preset {preset}`", seconds, None, own,
                         out.stat().st_size))
    print(f"### {count} frames of {SIZE[0]}×{SIZE[1]}, libx264 CRF {CRF}, on {os.cpu_count()} CPU cores\n")
    print("| Run | wall time (s) | frames/s | hambot peak RSS (MB) | ffmpeg peak RSS (MB) | movie (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, seconds, own, child, size in rows:
        mb = (lambda value: "—" if value is None else f"{value / 1048576:.0f}")
        print(f"| {name} | {seconds:.1f} | {count / seconds:.0f} | {mb(own)} | {mb(child)} | {size / 1048576:.1f} |")


if __name__ == "__main__":
    main()
