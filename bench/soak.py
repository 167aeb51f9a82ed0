"""An hour of mixed traffic with scheduled captures sped up (one every 10 s instead of hourly):
memory and open files of the master and every worker must stay flat.

Run with `make soak` (an hour) or `python bench/soak.py SECONDS` for a shorter run. Exits 1 if they grow.
"""

import os
import random
import subprocess
import sys
import threading
import time

from live import Lab, gunicorn_processes, rss_by_process

CLIENTS = 20
CAPTURE_EVERY = 10
SAMPLES = 30
ALLOWED_GROWTH_MB = 8  # a worker's caches fill early on; after that nothing may keep growing


def open_files(master):
    return sum(len(os.listdir(f"/proc/{pid}/fd")) for pid in gunicorn_processes(master))


def traffic(server, until):
    rng = random.Random()
    while time.monotonic() < until:
        path = rng.choice(["/", "/photos", "/temperature", "/api/v1/photos", "/healthz", "/latest"])
        try:
            server.request("GET", path, timeout=30)
        except OSError as error:
            print("request failed:", error, file=sys.stderr)


def scheduled_captures(server, until):
    """What hambot-capture.timer runs, as often as CAPTURE_EVERY."""
    environ = dict(os.environ, **server.environ)
    while time.monotonic() < until:
        subprocess.run([sys.executable, "-m", "hambot", "capture", "--source", "schedule"], env=environ,
                       capture_output=True, check=False)
        time.sleep(CAPTURE_EVERY)


def main(seconds):
    lab = Lab()
    server = lab.start(dead_time=5)
    until = time.monotonic() + seconds
    workers = [threading.Thread(target=traffic, args=(server, until)) for _ in range(CLIENTS)]
    workers.append(threading.Thread(target=scheduled_captures, args=(server, until)))
    for thread in workers:
        thread.start()
    samples = []
    while time.monotonic() < until:
        time.sleep(seconds / SAMPLES)
        memory = rss_by_process(server.process.pid)
        samples.append((sum(pss for _, pss in memory.values()), open_files(server.process.pid)))
        print(f"{len(samples):3d}  PSS {samples[-1][0]:6.1f} MB  open files {samples[-1][1]}", flush=True)
    for thread in workers:
        thread.join()
    server.stop()
    return judge(samples)


def judge(samples):
    settled = samples[len(samples) // 3:]  # after the first third, when caches have filled
    memory_growth = settled[-1][0] - min(s[0] for s in settled)
    files_growth = settled[-1][1] - min(s[1] for s in settled)
    print(f"\nafter the first third: PSS grew {memory_growth:.1f} MB, open files grew by {files_growth}")
    return 0 if memory_growth <= ALLOWED_GROWTH_MB and files_growth <= 2 else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 3600))
