"""What an alert check adds to each stored reading, with 100 and with 100,000 readings already in the index.

Prints a table: the median time of the alert check alone (inside the reading's transaction), and of a whole
recorded reading (its own transaction, fsync included) without and with alerts, in the band and during an episode.
Run: .venv/bin/python bench/alert_cost.py
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hambot.core import history  # noqa: E402
from hambot.core.alerts import Alerts, Rules  # noqa: E402
from hambot.core.history import History  # noqa: E402
from hambot.core.store import open_store  # noqa: E402

SIZES = (100, 100_000)
ROUNDS = 300


def filled_store(folder, count):
    """`count` readings a minute apart, ending an hour ago, in one transaction."""
    store = open_store(folder)
    start = time.time() - 3600 - count * 60
    with store.database.transaction() as db:
        for n in range(count):
            history.record(db, start + n * 60, 21 + (n % 7) * 0.3, "schedule")
    return store


def rules():
    return Rules(comfort_min=20, comfort_max=24, alert_seconds=600, silent_seconds=1800, remind_seconds=6 * 3600,
                 targets=2)


def time_check(store, alerts, celsius, at):
    """Microseconds of the alert check alone, over ROUNDS readings (each in a transaction, timed inside it)."""
    samples = []
    for n in range(ROUNDS):
        with store.database.transaction() as db:
            began = time.perf_counter()
            alerts.reading(db, at + n * 60, celsius)
            samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1e6


def time_record(store, alerts, celsius, at):
    """Milliseconds of one whole recorded reading, as `hambot temperature --record` stores it."""
    book = History(store.database, alerts)
    samples = []
    for n in range(ROUNDS // 3):
        began = time.perf_counter()
        book.record(celsius, "schedule", at + n * 60)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1e3


def measure(count):
    with tempfile.TemporaryDirectory() as folder:
        store = filled_store(Path(folder), count)
        alerts = Alerts(rules())
        now = time.time()
        in_band = time_check(store, alerts, 22.0, now)
        episode = time_check(store, alerts, 26.0, now + ROUNDS * 60)  # starts after 10 min, then reminders
        plain = time_record(store, None, 22.0, now + 3 * ROUNDS * 60)
        checked = time_record(store, alerts, 22.0, now + 4 * ROUNDS * 60)
        store.close()
    return in_band, episode, plain, checked


def main():
    print("| readings in the index | alert check, in the band (µs) | alert check, during an episode (µs) |"
          " recorded reading without alerts (ms) | with alerts (ms) |")
    print("|---:|---:|---:|---:|---:|")
    for count in SIZES:
        in_band, episode, plain, checked = measure(count)
        print(f"| {count:,} | {in_band:.0f} | {episode:.0f} | {plain:.2f} | {checked:.2f} |", flush=True)


if __name__ == "__main__":
    main()
