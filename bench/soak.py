"""An hour of mixed traffic, slow clients and scheduled captures sped up (one every 10 s instead of hourly):
memory and open files of the master and every worker must stay flat.

Run with `make soak` (an hour) or `python bench/soak.py SECONDS` for a shorter run. Exits 1 if they grow.
"""

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

from live import Lab, gunicorn_processes, rss_by_process

CLIENTS = 20
CAPTURE_EVERY = 10
SAMPLES = 30
ALLOWED_GROWTH_MB = 8  # a worker's caches fill early on; after that nothing may keep growing
LIMIT_MB = 60  # the whole service, master and workers, at every sample


def open_files(master):
    return sum(len(os.listdir(f"/proc/{pid}/fd")) for pid in gunicorn_processes(master))


def traffic(server, until):
    rng = random.Random()
    while time.monotonic() < until:
        path = rng.choice(["/", "/photos", "/temperature", "/api/v1/photos", "/healthz", "/latest", "photo", "thumb"])
        try:
            if path in ("photo", "thumb"):
                newest = json.loads(server.request("GET", "/api/v1/photos?limit=1", timeout=30)[2])["photos"]
                path = newest[0]["url" if path == "photo" else "thumbnail_url"] if newest else "/"
            server.request("GET", path, timeout=30)
        except OSError as error:
            print("request failed:", error, file=sys.stderr)


def misbehaving_clients(server, until):
    """Now and then: a request that stalls halfway, and a photo read slowly and dropped halfway."""
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", server.port)) as stalled:
            stalled.sendall(b"GET / HTTP/1.1\r\nHost: soak\r\n")
            newest = json.loads(server.request("GET", "/api/v1/photos?limit=1", timeout=30)[2])["photos"]
            if newest:
                with socket.socket() as slow:
                    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    slow.connect(("127.0.0.1", server.port))
                    slow.sendall(f"GET {newest[0]['url']} HTTP/1.1\r\nHost: soak\r\n\r\n".encode())
                    for _ in range(5):
                        slow.recv(1024)
                        time.sleep(0.2)
            time.sleep(CAPTURE_EVERY)


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
    workers.append(threading.Thread(target=misbehaving_clients, args=(server, until)))
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
    peak = max(s[0] for s in samples)
    print(f"\nafter the first third: PSS grew {memory_growth:.1f} MB, open files grew by {files_growth}; "
          f"the most PSS at any sample: {peak:.1f} MB (limit {LIMIT_MB} MB)")
    return 0 if memory_growth <= ALLOWED_GROWTH_MB and files_growth <= 2 and peak < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 3600))
