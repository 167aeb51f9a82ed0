"""Gallery, days, chart and API list times with 100, 10,000 and 100,000 photos in the index.

Every size has the same 30 days of scheduled readings, so the charts draw the same number of points;
only the index grows. Every query walks an index and returns only what the page shows, so the times
should stay flat. The one exception is measured too: the first start-up after TIMEZONE changes, which works
every photo's local day out again once (hambot/core/day_index.py).
Run with `make bench` (or `python bench/history_scale.py`); prints a table of median milliseconds.
"""

import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import webtest

from hambot.core import history
from hambot.web.app import create_app
from hambot.core.settings import load_settings
from hambot.core.store import PHOTO_COLUMNS, PLACEHOLDERS, Photo, new_id

SIZES = (100, 10_000, 100_000)
REPEATS = 40
PHOTO_SPACING = 3600  # an hourly photo: 100,000 of them go back eleven years
READING_SPACING = 300  # and a scheduled reading every 5 minutes for the last 30 days, at every size
READING_DAYS = 30


def fill(app, count):
    """Index `count` photos (rows only; pages never read the files) ending now, each with a reading."""
    now = time.time()
    with app.store.database.transaction() as db:
        for n in range(count):
            taken_at = now - (count - n) * PHOTO_SPACING
            photo = Photo(new_id(), taken_at, 21 + (n % 50) / 10, None, "schedule", 50_000, 1920, 1080,
                          "image/jpeg")
            db.execute(f"INSERT INTO photos ({PHOTO_COLUMNS}, day) VALUES ({PLACEHOLDERS}, ?)",
                       (*dataclasses.astuple(photo), app.store.local_day(taken_at).isoformat()))
            history.record(db, taken_at, photo.temperature_c, "photo")
        for n in range(READING_DAYS * 86400 // READING_SPACING):
            history.record(db, now - n * READING_SPACING, 22 + (n % 30) / 10, "schedule")


def median_ms(web, path):
    web.get(path)  # warm
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        web.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(count, folder):
    environ = {"HAMBOT_DATA_DIR": str(folder), "HAMBOT_TEMPERATURE_SENSOR": "none", "HAMBOT_TIMEZONE": "Europe/Berlin",
               "HAMBOT_CAMERA_SCRIPT": str(Path(__file__).resolve().parents[1] / "camera_access.sh")}
    started = time.perf_counter()
    app = create_app(load_settings(environ))
    fill(app, count)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    app = create_app(load_settings(environ))  # start-up with the full index
    startup_ms = (time.perf_counter() - started) * 1000
    web = webtest.TestApp(app)
    db = app.store.database.connection()
    oldest = [row[0] for row in db.execute("SELECT id FROM photos ORDER BY seq LIMIT 100")]
    newest = db.execute("SELECT id FROM photos ORDER BY seq DESC LIMIT 1").fetchone()[0]
    days = [row[0] for row in db.execute("SELECT day FROM days ORDER BY day")]
    cases = {
        "start-up": startup_ms,
        "gallery, first page": median_ms(web, "/photos"),
        "gallery, last page": median_ms(web, f"/photos?before={oldest[24]}"),
        "photo page, newest": median_ms(web, f"/photos/{newest}"),
        "photo page, oldest": median_ms(web, f"/photos/{oldest[0]}"),
        "chart, 24 hours": median_ms(web, "/temperature?range=24h"),
        "chart, 30 days": median_ms(web, "/temperature?range=30d"),
        "home with sparkline": median_ms(web, "/"),
        "API list, first 100": median_ms(web, "/api/v1/photos?limit=100"),
        "API list, last 100": median_ms(web, f"/api/v1/photos?limit=100&before={oldest[-1]}"),
        "API history, all time": median_ms(web, "/api/v1/temperature/history?since=2000-01-01"),
        "days, first page": median_ms(web, "/days"),
        "days, last page": median_ms(web, f"/days?before={days[min(30, len(days) - 1)]}"),
        "day page, newest": median_ms(web, f"/days/{days[-1]}"),
        "day page, oldest": median_ms(web, f"/days/{days[0]}"),
        "API days, first 100": median_ms(web, "/api/v1/days?limit=100"),
        "API day, newest": median_ms(web, f"/api/v1/days/{days[-1]}?limit=100"),
    }
    started = time.perf_counter()
    create_app(load_settings(dict(environ, HAMBOT_TIMEZONE="Pacific/Auckland")))  # every photo's day again
    cases["start-up, new TIMEZONE"] = (time.perf_counter() - started) * 1000
    return cases, filled


def main():
    results = {}
    with tempfile.TemporaryDirectory(prefix="hambot-bench-") as root:
        measure(SIZES[0], Path(root) / "warm-up")  # the first run pays for imports and cold caches
        for count in SIZES:
            cases, filled = measure(count, Path(root) / str(count))
            results[count] = cases
            print(f"  indexed {count:,} photos in {filled:.1f} s", file=sys.stderr)
    names = list(results[SIZES[0]])
    header = f"{'median ms':<24}" + "".join(f"{size:>10,}" for size in SIZES) + f"{'ratio':>8}"
    print(f"\nHistory scale ({os.cpu_count()} CPUs, {REPEATS} requests each, in-process WSGI)")
    print(header)
    print("-" * len(header))
    for name in names:
        row = [results[size][name] for size in SIZES]
        print(f"{name:<24}" + "".join(f"{value:>10.2f}" for value in row) + f"{row[-1] / row[0]:>8.2f}")
    print(f"(ratio = time with {SIZES[-1]:,} photos / time with {SIZES[0]:,})")


if __name__ == "__main__":
    main()
