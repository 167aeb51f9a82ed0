"""The temperature history: buckets keep min, max and mean; long ranges come back evenly thinned."""

import sqlite3

import pytest

from conftest import add_photo
from hambot.web import chart
from hambot.core.database import MIGRATIONS, Database
from hambot.core.history import History
from hambot.core.store import Store

T0 = 1_790_000_100  # a Tuesday in 2026, on a 300 s boundary


@pytest.fixture
def history(tmp_path):
    database = Database(tmp_path / "index.sqlite3")
    database.migrate()
    return History(database)


def test_buckets_keep_the_lowest_highest_and_mean_of_their_readings(history):
    for offset, celsius in ((0, 20.0), (60, 23.0), (299, 21.5), (300, 30.0)):
        history.record(celsius, "schedule", T0 + offset)
    first, second = history.buckets(300, T0, T0 + 600)
    assert (first.start, first.count, first.low, first.high) == (T0, 3, 20.0, 23.0)
    assert first.mean == pytest.approx(21.5)
    assert (second.start, second.count, second.mean) == (T0 + 300, 1, 30.0)
    [wide] = history.buckets(1800, T0, T0 + 600)
    assert (wide.count, wide.low, wide.high) == (4, 20.0, 30.0)


def test_the_latest_reading_is_the_newest_by_time_not_by_arrival(history):
    history.record(22.0, "schedule", T0 + 100)
    history.record(18.0, "schedule", T0)
    assert history.latest().celsius == 22.0


def test_a_short_range_returns_every_reading_in_order(history):
    for i in range(10):
        history.record(20 + i, "schedule", T0 + i * 60)
    points, thinned = history.points(T0 + 60, T0 + 300, limit=500)
    assert [p.celsius for p in points] == [21, 22, 23, 24, 25]
    assert not thinned


def test_a_long_range_is_thinned_evenly_to_the_limit(history):
    for i in range(2000):
        history.record(20 + (i % 7), "schedule", T0 + i * 60)
    points, thinned = history.points(T0 - 10 * 86400, T0 + 10 * 86400, limit=100)
    assert thinned and 95 <= len(points) <= 100
    gaps = [b.taken_at - a.taken_at for a, b in zip(points, points[1:])]
    assert max(gaps[:-1]) - min(gaps[:-1]) <= 120  # one reading per even slot across the readings' own span
    assert points[0].taken_at == T0 and points[-1].taken_at == T0 + 1999 * 60


def test_photos_stored_before_the_history_existed_are_brought_into_it(tmp_path):
    path = tmp_path / "data" / "hambot.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as old:  # an index as the first release left it
        old.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        old.execute("INSERT INTO photos VALUES (1, 'AAAAAAAAAAAA', ?, 22.5, NULL, 'button', 1, 1, 1, 'image/jpeg')",
                    (T0,))
        old.execute("INSERT INTO photos VALUES (2, 'BBBBBBBBBBBB', ?, NULL, 'no sensor', 'button', 1, 1, 1,"
                    " 'image/jpeg')", (T0 + 60,))
    store = Store(tmp_path / "data")
    store.open()
    history = History(store.database)
    assert [(p.celsius, p.source) for p in history.points(T0 - 1, T0 + 100, 10)[0]] == [(22.5, "photo")]
    assert [b.count for b in history.buckets(7200, T0 - 7200, T0 + 7200)] == [1]


def test_every_photo_with_a_temperature_adds_a_reading(tmp_path):
    store = Store(tmp_path / "data")
    store.open()
    add_photo(store, celsius=24.25)
    add_photo(store, celsius=None)
    latest = History(store.database).latest()
    assert (latest.celsius, latest.source) == (24.25, "photo")


def test_a_pause_in_the_readings_splits_the_line(history):
    for minute in list(range(0, 120, 5)) + list(range(300, 420, 5)):
        history.record(21.0, "schedule", T0 + minute * 60)
    runs = chart.segments(history.buckets(300, T0, T0 + 86400))
    assert [len(run) for run in runs] == [24, 24]


def test_hourly_photos_alone_still_draw_one_line(history):
    for hour in range(24):
        history.record(21.0 + hour / 10, "photo", T0 + hour * 3600)
    buckets = history.buckets(300, T0, T0 + 86400)
    assert len(chart.segments(buckets)) == 1
    svg = chart.chart_svg(buckets, T0, T0 + 86400, "24h", "C")
    assert svg.count("<polyline") == 1 and "<circle" not in svg
