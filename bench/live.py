"""hambot under real gunicorn, against the ceiling on the same machine: throughput, capture overhead,
a burst of presses, responsiveness during a capture, and memory.

Each part starts its own server with fake cameras and a fake sensor tree (the test suite's), drives it
from this process or from wrk, and prints a Markdown table. Run with `make bench`.
"""

import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from PIL import Image  # noqa: E402

from conftest import CAMERAS, FakeW1Bus, RunningServer, add_photo, settings_environ  # noqa: E402
from receivers import JsonReceiver  # noqa: E402
from hambot.core.store import open_store  # noqa: E402

SECONDS_PER_RUN = 3
CONCURRENCY = (1, 10, 50)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class Lab:
    """A folder with a fake sensor and a camera log, where servers start."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="hambot-bench-"))
        self.w1 = FakeW1Bus(self.folder / "w1")
        self.w1.add_sensor()
        self.runs = 0

    def start(self, camera="ok.sh", command=None, camera_seconds=0, **overrides):
        self.runs += 1
        folder = self.folder / f"server-{self.runs}"
        folder.mkdir()
        environ = settings_environ(folder, self.w1, camera, {"log_level": "WARNING", **overrides})
        environ.update(FAKE_CAMERA_SECONDS=str(camera_seconds), FAKE_CAMERA_LOG=str(folder / "camera-runs.log"))
        server = RunningServer(folder, environ, *([command] if command else []))
        server.folder, server.environ = folder, environ
        return server


def camera_runs(server):
    log = server.folder / "camera-runs.log"
    return len(log.read_text().split()) if log.exists() else 0


def wrk(url, connections, seconds=SECONDS_PER_RUN):
    """Requests per second, p50 and p99 in ms, and the count of errors, from wrk in its own process."""
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    latency = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    total = int(re.search(r"(\d+) requests in", out)[1])
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), latency["50"], latency["99"], errors, total


def request(server, method, path, headers=None):
    started = time.perf_counter()
    status, answer_headers, _ = server.request(method, path, headers=headers, timeout=60)
    return status, answer_headers, (time.perf_counter() - started) * 1000


def camera_sized_photo():
    """A 1280x960 JPEG about the size a Pi camera's is (200-300 kB): smooth shapes with sensor noise."""
    image = Image.radial_gradient("L").resize((1280, 960)).convert("RGB")
    noise = Image.effect_noise((1280, 960), 24).convert("RGB")
    data = io.BytesIO()
    Image.blend(image, noise, 0.25).save(data, "JPEG", quality=85)
    return data.getvalue()


def throughput(lab):
    hambot = lab.start()
    store = open_store(hambot.folder / "data")
    for _ in range(30):
        photo = add_photo(store)
    photo = add_photo(store, data=camera_sized_photo())
    store.thumbnail(photo)
    os.environ["CEILING_FILE"] = str(store.path_of(photo))
    ceiling = lab.start(command=(sys.executable, str(ROOT / "bench" / "ceiling.py")))
    stock = lab.start(command=(sys.executable, str(ROOT / "bench" / "ceiling.py"), "--stock"))
    size = photo.size // 1000
    cases = [("ceiling: constant page", ceiling, "/"), (STOCK, stock, "/"), ("home `/`", hambot, "/"),
             ("photo page", hambot, f"/photos/{photo.id}"),
             (f"photo bytes (JPEG, {size} kB)", hambot, f"/photos/{photo.filename}"),
             (f"bare Bottle, the same {size} kB file", ceiling, "/file"),
             ("thumbnail", hambot, f"/photos/{photo.id}/thumb.jpg"), ("gallery", hambot, "/photos"),
             ("`/api/v1/photos`", hambot, "/api/v1/photos")]
    rows = []
    for name, server, path in cases:
        row = [name]
        for connections in CONCURRENCY:
            rps, p50, p99, errors, _ = wrk(f"http://127.0.0.1:{server.port}{path}", connections)
            row.append((rps, p50, p99, errors))
        rows.append(row)
    store.close()
    for server in (stock, ceiling, hambot):
        server.stop()
    print_throughput(rows)


STOCK = "ceiling under stock gthread"


def print_throughput(rows):
    ceiling = rows[0][1:]
    stock = next(cells for name, *cells in rows if name == STOCK)
    print("\n### Page throughput (wrk, %d s per cell; req/s, p50 / p99 ms, share of the ceiling)\n" % SECONDS_PER_RUN)
    print("The ceiling is bare Bottle under hambot's worker; the stock ceiling is the same app under stock "
          "gunicorn gthread.\n")
    print("| page | " + " | ".join(f"{c} client{'s' if c > 1 else ''}" for c in CONCURRENCY) + " |")
    print("| --- |" + " ---: |" * len(CONCURRENCY))
    for name, *cells in rows:
        shown = []
        for (rps, p50, p99, errors), (top, *_) in zip(cells, ceiling):
            flagged = f" **{errors} errors**" if errors else ""
            shown.append(f"{rps:,.0f} ({p50:.1f} / {p99:.1f}) {rps / top:.2f}×{flagged}")
        print(f"| {name} | " + " | ".join(shown) + " |")
    photo, bare = (next(cells for name, *cells in rows if name.startswith(start)) for start in ("photo bytes", "bare"))
    print("\n| page | share of the stock-gthread ceiling (1, 10, 50 clients) |\n| --- | ---: |")
    for name, *cells in rows[2:]:
        print(f"| {name} | " + ", ".join(f"{ours[0] / theirs[0]:.2f}×" for ours, theirs in zip(cells, stock)) + " |")
    print("\nhambot's worker against stock gthread, the same bare app: "
          + ", ".join(f"{ours[0] / theirs[0]:.2f}×" for ours, theirs in zip(ceiling, stock)) + " (1, 10, 50 clients)")
    print("\nphoto bytes against bare Bottle sending the same file: "
          + ", ".join(f"{ours[0] / theirs[0]:.2f}×" for ours, theirs in zip(photo, bare)) + " (1, 10, 50 clients)")


def capture_overhead(lab):
    print("\n### Capture overhead (median of 10; ms)\n")
    print("| camera | script run directly | `POST /snapshot` to its 303 | server's share |")
    print("| --- | ---: | ---: | ---: |")
    for seconds in (0, 1):
        server = lab.start("slow.sh", camera_seconds=seconds, dead_time=0)
        direct, pressed = [], []
        for n in range(10):
            out = server.folder / f"direct-{n}.jpg"
            started = time.perf_counter()
            subprocess.run([str(CAMERAS / "slow.sh"), str(out)], check=True,
                           env=dict(os.environ, FAKE_CAMERA_SECONDS=str(seconds)))
            direct.append((time.perf_counter() - started) * 1000)
            status, _, ms = request(server, "POST", "/snapshot")
            assert status == 303, status
            pressed.append(ms)
        server.stop()
        d, p = statistics.median(direct), statistics.median(pressed)
        print(f"| takes {seconds} s | {d:.1f} | {p:.1f} | {p - d:.1f} |")


def burst(lab, presses=100):
    server = lab.start("slow.sh", camera_seconds=1, dead_time=10)
    outcomes, started = [], time.perf_counter()

    def visitor():
        try:
            outcomes.append(press_until_photo(server, started))
        except Exception as error:  # counted, not raised: the table reports errors
            outcomes.append(("error", repr(error), 0))

    threads = [threading.Thread(target=visitor) for _ in range(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runs = camera_runs(server)
    server.stop()
    errors = [o for o in outcomes if o[0] == "error"]
    photos = {o[1] for o in outcomes if o[0] == "photo"}
    last = max(o[2] for o in outcomes)
    print(f"\n### Burst: {presses} presses at once, a 1 s camera\n")
    print("| camera runs | distinct photos shown | errors | last visitor has the page after "
          "| waited via the pending page |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    waited = sum(o[3] for o in outcomes if o[0] == "photo")
    print(f"| {runs} | {len(photos)} | {len(errors)} | {last:.2f} s | {waited} |")
    if errors:
        print("errors:", errors[:3])


def press_until_photo(server, started):
    """A visitor: press, follow the 303s (the pending page refreshes itself each second), load the photo page."""
    status, headers, _ = request(server, "POST", "/snapshot")
    pending = 0
    if status == 303 and "/snapshots/pending" in headers["Location"]:
        pending, address = 1, headers["Location"]
        status, headers, _ = request(server, "GET", address)
        while status == 200:
            time.sleep(1)  # the pending page's own refresh
            status, headers, _ = request(server, "GET", address)
    if status != 303:
        return ("error", f"status {status}", 0)
    location = headers["Location"]
    status, _, _ = request(server, "GET", location)
    if status != 200:
        return ("error", f"photo page {status}", 0)
    return ("photo", location.split("?")[0], time.perf_counter() - started, pending)


def responsiveness(lab):
    server = lab.start("slow.sh", camera_seconds=5, dead_time=0)
    idle = [request(server, "GET", "/")[2] for _ in range(200)]
    capture = threading.Thread(target=request, args=(server, "POST", "/snapshot"))
    capture.start()
    time.sleep(0.3)
    busy = []
    while capture.is_alive() and len(busy) < 400:
        busy.append(request(server, "GET", "/")[2])
        time.sleep(0.005)
    capture.join()
    runs = camera_runs(server)
    server.stop()
    print("\n### Responsiveness: `GET /` while a 5 s capture runs (ms)\n")
    print("| | requests | p50 | p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, times in (("no capture running", idle), (f"during the capture ({runs} camera run)", busy)):
        ordered = sorted(times)
        print(f"| {name} | {len(times)} | {statistics.median(times):.2f} | "
              f"{ordered[int(len(times) * 0.99) - 1]:.2f} | {ordered[-1]:.2f} |")
    print(f"\nRatio of medians: {statistics.median(busy) / statistics.median(idle):.2f}")


def memory(lab):
    """As an owner with alerts set up runs it: one NOTIFY_URL, and a too-warm alert delivered during the run."""
    hook = JsonReceiver()
    server = lab.start(notify_urls=hook.url(), temperature_alert_minutes=0, temperature_comfort_max=24, dead_time=0)
    store = open_store(server.folder / "data")
    photo = add_photo(store)
    store.close()
    for path in paths_for_memory(photo) * 20:  # every worker booted and each page served once
        request(server, "GET", path)
    idle = rss_by_process(server.process.pid)
    lab.w1.add_sensor(celsius=30)  # too warm: the next photo raises an alert, and a worker's sender delivers it
    request(server, "POST", "/snapshot", headers={"Sec-Fetch-Site": "same-origin"})
    served = 0
    while served < 10_000:
        for path in paths_for_memory(photo):
            served += wrk(f"http://127.0.0.1:{server.port}{path}", 10, seconds=1)[4]
    after = rss_by_process(server.process.pid)
    server.stop()
    hook.down()
    lab.w1.add_sensor()
    print("\n### Memory (default settings: 2 workers × 4 threads, one NOTIFY_URL; MB)\n")
    print(f"| process | RSS idle | RSS after {served:,} requests and {len(hook.posts)} alert(s) sent | PSS idle "
          "| PSS after |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in idle:
        (rss0, pss0), (rss1, pss1) = idle[name], after.get(name, (0, 0))
        print(f"| {name} | {rss0:.1f} | {rss1:.1f} | {pss0:.1f} | {pss1:.1f} |")
    total0, total1 = (sum(v[1] for v in m.values()) for m in (idle, after))
    print(f"| whole service (sum of PSS) | | | {total0:.1f} | {total1:.1f} |")


def paths_for_memory(photo):
    return ["/", f"/photos/{photo.id}", "/photos", "/api/v1/photos", f"/photos/{photo.filename}", "/temperature"]


def gunicorn_processes(master):
    """The master's pid, then its workers'."""
    return [master, *sorted(int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split())]


def rss_by_process(master):
    """RSS and PSS in MB of the gunicorn master and each worker (PSS shares pages fairly between them)."""
    master, *workers = gunicorn_processes(master)
    found = {"master": smaps(master)}
    for n, pid in enumerate(workers, 1):
        found[f"worker {n}"] = smaps(pid)
    return found


def smaps(pid):
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return tuple(int(fields[name].split()[0]) / 1024 for name in ("Rss", "Pss"))


PARTS = {"throughput": throughput, "capture": capture_overhead, "burst": burst,
         "responsiveness": responsiveness, "memory": memory}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(PARTS)
    lab = Lab()
    print(f"hambot live benchmarks, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}")
    for name in chosen:
        PARTS[name](lab)
