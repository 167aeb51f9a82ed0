"""An upstream hambot under real gunicorn: the time from a press on it to the visitor's photo page, through a Pi
(a second real server's data folder and the real `hambot push` with its long poll) with a 1 s camera; and how
many photos a second one upstream server stores from several pushing clients at once.
Prints Markdown tables. Run: .venv/bin/python bench/upstream.py
"""

import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import settings_environ  # noqa: E402
from hambot.core.keysheet import write_key_sheet  # noqa: E402
from hambot.core.parts import token_book  # noqa: E402
from hambot.core.secret_key import load_secret_key  # noqa: E402
from hambot.core.settings import load_settings  # noqa: E402
from hambot.core.store import open_store  # noqa: E402
from live import Lab, camera_sized_photo  # noqa: E402

PRESSES = int(os.environ.get("BENCH_PRESSES", 10))
CLIENTS = (1, 4, 16)
UPLOAD_SECONDS = 5


def tokens_for(server, names):
    settings = load_settings(server.environ)
    store = open_store(settings.data_dir)
    write_key_sheet(settings.key_sheet_path, force=True)
    book = token_book(store, settings, load_secret_key(settings))
    return {name: book.issue(name, 86400, scopes=("upload",), camera=name) for name in names}


def press_to_photo(upstream, camera="pi"):
    """Seconds from the visitor's press to the photo page's answer, following the pending page as a browser."""
    started = time.perf_counter()
    status, headers, _ = upstream.request("POST", f"/cameras/{camera}/snapshot")
    location = headers["Location"]
    while location.startswith(f"/cameras/{camera}/pending"):
        status, headers, _ = upstream.request("GET", location, timeout=60)
        location = headers.get("Location", location) if status == 303 else location
    status, _, _ = upstream.request("GET", location)
    assert status == 200, (status, location)
    return time.perf_counter() - started


def remote_press(lab):
    upstream = lab.start(camera_script="none")
    token = tokens_for(upstream, ["pi"])["pi"]
    pi_dir = lab.folder / "pi"
    pi = {"data_dir": pi_dir, "upstream_url": f"http://127.0.0.1:{upstream.port}", "upstream_token": token,
          "camera_name": "pi", "dead_time": 0, "log_level": os.environ.get("BENCH_LOG", "WARNING")}
    environ = {**os.environ, **settings_environ(lab.folder, lab.w1, "slow.sh", pi), "FAKE_CAMERA_SECONDS": "1"}
    pusher = subprocess.Popen([sys.executable, "-m", "hambot", "push"], env=environ, cwd=lab.folder)
    try:
        while upstream.request("GET", "/cameras/pi")[0] != 200:
            time.sleep(0.1)
        press_to_photo(upstream)  # the first, to warm up both sides
        times = [press_to_photo(upstream) for _ in range(PRESSES)]
    finally:
        pusher.terminate()
        pusher.wait()
        upstream.stop()
    print(f"### A remote press to the visitor's photo page, a 1 s camera (median and worst of {PRESSES}; s)\n")
    print("| median | worst | beyond the camera's 1 s (median) |\n| --- | --- | --- |")
    print(f"| {statistics.median(times):.2f} | {max(times):.2f} | {statistics.median(times) - 1:.2f} |\n")


def upload_throughput(lab):
    photo = camera_sized_photo()
    print(f"### Photos stored a second by one upstream server ({len(photo) // 1024} kB JPEGs, "
          f"{UPLOAD_SECONDS} s per row; default 2 workers × 4 threads)\n")
    print("| pushing clients | photos/s | median upload ms | refused (status) |\n| --- | --- | --- | --- |")
    for clients in CLIENTS:
        upstream = lab.start(camera_script="none", max_photos=100000, max_storage_mb=100000)
        tokens = tokens_for(upstream, [f"cam{n}" for n in range(clients)])
        times, failed, stop = [], [], time.monotonic() + UPLOAD_SECONDS

        def push(name, token):
            n = 0
            while time.monotonic() < stop:
                n += 1
                request = urllib.request.Request(
                    f"http://127.0.0.1:{upstream.port}/api/v1/photos", data=photo, method="POST", headers={
                        "Authorization": f"Enigma {token}", "Content-Type": "image/jpeg",
                        "Idempotency-Key": f"{name}-{n}"})
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        answer.read()
                    times.append(time.perf_counter() - started)
                except urllib.error.HTTPError as error:
                    failed.append(error.code)  # 503: more uploads at once than the worker collects; retried
                except OSError:
                    failed.append("no answer")

        threads = [threading.Thread(target=push, args=item) for item in tokens.items()]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        upstream.stop()
        refused = ", ".join(f"{failed.count(kind)} × {kind}" for kind in sorted(set(failed), key=str)) or "none"
        print(f"| {clients} | {len(times) / elapsed:.1f} | {statistics.median(times) * 1000:.0f} | {refused} |")
    print()


def viewers_while_cameras_poll(lab, cameras=6):
    """The cameras' home page and a camera's page under wrk while `cameras` long polls are held open."""
    from live import wrk
    upstream = lab.start(camera_script="none")
    tokens = tokens_for(upstream, [f"cam{n}" for n in range(cameras)])
    photo, stop = camera_sized_photo(), threading.Event()
    for name, token in tokens.items():
        headers = {"Authorization": f"Enigma {token}", "Content-Type": "image/jpeg"}
        upstream.request("POST", "/api/v1/photos?temperature_c=21", headers, body=photo)

        def poll(headers=headers, name=name):
            while not stop.is_set():
                upstream.request("GET", f"/api/v1/cameras/{name}/presses?wait=25", headers, timeout=60)

        threading.Thread(target=poll, daemon=True).start()
    time.sleep(1)
    print(f"### Viewers while {cameras} cameras hold their long polls (wrk, 3 s, 10 connections)\n")
    print("| page | req/s | p50 ms | p99 ms |\n| --- | --- | --- | --- |")
    for path in ("/", "/cameras/cam0", "/photos?camera=cam0"):
        rate, p50, p99, errors, _ = wrk(f"http://127.0.0.1:{upstream.port}{path}", 10)
        print(f"| `{path}` | {rate:.0f} | {p50:.1f} | {p99:.1f} |" + (f" ({errors} errors)" if errors else ""))
    print()
    stop.set()
    upstream.stop()


if __name__ == "__main__":
    lab = Lab()
    remote_press(lab)
    if "--press-only" not in sys.argv:
        upload_throughput(lab)
        viewers_while_cameras_poll(lab)
