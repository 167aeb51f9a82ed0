"""Day pages: local days in a zone with clock changes, their counts kept through deletions, the time-lapse's file.

Zones come from the real tz database (zoneinfo) and the photos' times are real instants on each side of a
change; only the moment a photo is stored is chosen, by handing the store that instant as "now".
"""

import datetime
import re
import sqlite3
import types

import pytest
import webtest

from conftest import add_photo, issue_token
from hambot.core import store as store_module
from hambot.core.database import MIGRATIONS
from hambot.core.movies import Movies
from hambot.core.store import Store

BERLIN = "Europe/Berlin"


def utc(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def add_photo_at(store, monkeypatch, when, celsius=21.5):
    """A photo stored through the store's own path, as if the camera had finished at `when` (a Unix time)."""
    monkeypatch.setattr(store_module, "time", types.SimpleNamespace(time=lambda: when))
    try:
        return add_photo(store, celsius=celsius)
    finally:
        monkeypatch.undo()


# (instant, the Berlin day it is on): each side of both edges of the short and the long day of 2026
EDGES = [
    ("2026-03-28T22:59:59Z", "2026-03-28"),  # 23:59:59 CET
    ("2026-03-28T23:00:00Z", "2026-03-29"),  # 00:00 CET, the 23-hour day begins
    ("2026-03-29T21:59:59Z", "2026-03-29"),  # 23:59:59 CEST
    ("2026-03-29T22:00:00Z", "2026-03-30"),
    ("2026-10-24T21:59:59Z", "2026-10-24"),
    ("2026-10-24T22:00:00Z", "2026-10-25"),  # 00:00 CEST, the 25-hour day begins
    ("2026-10-25T00:30:00Z", "2026-10-25"),  # 02:30 CEST
    ("2026-10-25T01:30:00Z", "2026-10-25"),  # 02:30 CET, the same clock time an hour later
    ("2026-10-25T22:59:59Z", "2026-10-25"),  # 23:59:59 CET
    ("2026-10-25T23:00:00Z", "2026-10-26"),
]


@pytest.fixture
def berlin(make_app, monkeypatch):
    app = make_app(timezone=BERLIN)
    photos = {when: add_photo_at(app.store, monkeypatch, utc(when), celsius=20 + n / 10)
              for n, (when, _) in enumerate(EDGES)}
    return app, webtest.TestApp(app), photos


def day_counts(web):
    """{"2026-10-25": 4, ...} as the /days page shows them."""
    found = re.findall(r'<a href="/days/([0-9-]+)">.*?<span class="count">(\d+) photos?</span>', web.get("/days").text,
                       re.S)
    return {day: int(count) for day, count in found}


def test_photos_at_the_edges_of_a_clock_change_land_on_their_local_day(berlin):
    app, web, photos = berlin
    expected = {}
    for _, day in EDGES:
        expected[day] = expected.get(day, 0) + 1
    assert day_counts(web) == expected
    assert expected["2026-03-29"] == 2 and expected["2026-10-25"] == 4
    long_day = web.get("/days/2026-10-25").text
    on_the_page = re.findall(r'href="/photos/([A-Za-z0-9_-]{12})"', long_day)
    assert on_the_page == [photos[when].id for when, day in EDGES if day == "2026-10-25"]
    assert "02:30 CEST" in long_day and "02:30 CET" in long_day  # the hour that happens twice, told apart
    short_day = web.get("/days/2026-03-29").text
    assert re.findall(r'href="/photos/([A-Za-z0-9_-]{12})"', short_day) == [
        photos["2026-03-28T23:00:00Z"].id, photos["2026-03-29T21:59:59Z"].id]
    api = web.get("/api/v1/days/2026-10-25").json
    assert api["count"] == 4 and [p["id"] for p in api["photos"]] == on_the_page
    assert {d["day"]: d["count"] for d in web.get("/api/v1/days").json["days"]} == expected


def test_each_photo_page_links_to_its_own_local_day(berlin):
    _, web, photos = berlin
    for when, day in EDGES:
        assert f'href="/days/{day}"' in web.get(f"/photos/{photos[when].id}").text


def test_the_list_shows_the_count_the_lowest_and_highest_and_a_photo_of_the_day(berlin):
    app, web, photos = berlin
    page = web.get("/days").text
    item = re.search(r'<a href="/days/2026-10-25">(.*?)</a>', page, re.S)[1]
    assert "Sunday 25 Oct 2026" in item and "4 photos" in item
    assert "20.5 &#176;C to 20.8 &#176;C" in item
    middle = photos["2026-10-25T00:30:00Z"]  # the second of four, in time order
    assert f"/photos/{middle.id}/thumb.jpg" in item
    fahrenheit = webtest.TestApp(app.__class__(app.settings.replace(temperature_unit="F")))
    assert "68.9 &#176;F to 69.4 &#176;F" in fahrenheit.get("/days").text


def test_a_day_links_to_the_nearest_days_that_have_photos(berlin):
    _, web, _ = berlin
    page = web.get("/days/2026-03-30").text
    assert 'href="/days/2026-03-29"' in page and 'href="/days/2026-10-24"' in page
    empty = web.get("/days/2026-06-01")  # a real date without photos: a page that says so
    assert empty.status_int == 200 and "No photos are kept for this day." in empty.text
    assert 'href="/days/2026-03-30"' in empty.text and 'href="/days/2026-10-24"' in empty.text


@pytest.mark.parametrize("address", ["/days/2026-02-30", "/days/x", "/days/2026-3-29", "/days/9999-12-31",
                                     "/days/1969-12-31", "/days/2026-02-30/timelapse.mp4", "/days/..%2f/poster.jpg"])
def test_an_address_that_is_not_a_day_is_the_normal_not_found_page(web, address):
    answer = web.get(address, status=404)
    assert "<h1>Not found</h1>" in answer.text
    assert "days are written like 2026-03-29" in answer.text or "%2f" in address  # that one matches no route


def test_a_crowded_day_shows_its_photos_evenly_spread_and_says_so(make_app, monkeypatch):
    app = make_app(timezone=BERLIN)
    photos = [add_photo_at(app.store, monkeypatch, utc("2026-07-01T08:00:00Z") + n * 60) for n in range(7)]
    monkeypatch.setattr("hambot.web.days.TIMELINE_MOST", 3)
    page = webtest.TestApp(app).get("/days/2026-07-01").text
    assert re.findall(r'href="/photos/([A-Za-z0-9_-]{12})"', page) == [photos[n].id for n in (0, 2, 4)]
    assert "Showing 3 of 7 photos, evenly spread" in page and "<dd>7</dd>" in page


def test_the_list_pages_through_days_with_a_date_cursor(make_app, monkeypatch):
    app = make_app(timezone="UTC")
    first = utc("2026-01-01T12:00:00Z")
    for n in range(35):
        add_photo_at(app.store, monkeypatch, first + n * 86400)
    web = webtest.TestApp(app)
    newest = web.get("/days").text
    assert newest.count('<li><a href="/days/') == 30 and "/days?before=2026-01-06" in newest
    older = web.get("/days?before=2026-01-06").text
    assert re.findall(r'<li><a href="/days/([0-9-]+)"', older) == [f"2026-01-0{n}" for n in range(5, 0, -1)]
    assert "/days?after=2026-01-05" in older
    assert web.get("/days?after=2026-01-05").text.count('<li><a href="/days/') == 30
    web.get("/days?before=2026-1-1", status=400)
    assert web.get("/days?before=1900-13-01").text.count("<li><a") == 0  # any YYYY-MM-DD is a cursor


def test_deleting_photos_updates_the_days_count_low_and_high(make_app, monkeypatch, hambot):
    """Deleted through the API, then pruned by the real `hambot prune` command in another process."""
    app = make_app(timezone=BERLIN)
    web = webtest.TestApp(app)
    noon = utc("2026-07-01T10:00:00Z")
    cold, mild, warm = (add_photo_at(app.store, monkeypatch, noon + n, celsius=c) for n, c in
                        enumerate((18.0, 20.0, 25.0)))
    add_photo_at(app.store, monkeypatch, noon + 86400, celsius=22.0)
    assert (app.daybook.get(datetime.date(2026, 7, 1)).low, app.daybook.get(datetime.date(2026, 7, 1)).high) == \
        (18.0, 25.0)
    token = issue_token(app)
    web.delete(f"/api/v1/photos/{warm.id}", headers={"Authorization": f"Enigma {token}"}, status=204)
    day = web.get("/api/v1/days/2026-07-01").json
    assert (day["count"], day["low_c"], day["high_c"]) == (2, 18.0, 20.0)
    assert day_counts(web) == {"2026-07-01": 2, "2026-07-02": 1}
    done = hambot("prune", max_photos=1, timezone=BERLIN)
    assert done.returncode == 0, done.stderr
    assert cold.id in done.stdout and mild.id in done.stdout
    assert day_counts(web) == {"2026-07-02": 1}
    gone = web.get("/api/v1/days/2026-07-01").json
    assert (gone["count"], gone["low_c"], gone["high_c"], gone["photo"]) == (0, None, None, None)


def test_the_days_are_worked_out_again_when_the_zone_changes(make_app, monkeypatch):
    app = make_app(timezone=BERLIN)
    add_photo_at(app.store, monkeypatch, utc("2026-10-24T22:30:00Z"))  # 00:30 on the 25th in Berlin
    assert day_counts(webtest.TestApp(app)) == {"2026-10-25": 1}
    app.store.close()
    in_utc = make_app(timezone="UTC")
    assert day_counts(webtest.TestApp(in_utc)) == {"2026-10-24": 1}


def test_photos_indexed_before_days_existed_are_given_their_days(tmp_path):
    path = tmp_path / "data" / "hambot.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as old:  # an index as migration 8 left it
        for script in MIGRATIONS[:8]:
            old.executescript(script)
        old.execute("PRAGMA user_version = 8")
        for n, (when, celsius) in enumerate((("2026-10-24T21:59:59Z", 19.0), ("2026-10-24T22:00:00Z", 23.0),
                                             ("2026-10-25T22:59:59Z", None))):
            old.execute("INSERT INTO photos (id, taken_at, temperature_c, source, size, width, height, content_type)"
                        " VALUES (?, ?, ?, 'button', 1, 1, 1, 'image/jpeg')", (f"{'ABC'[n]}" * 12, utc(when), celsius))
    from zoneinfo import ZoneInfo
    store = Store(tmp_path / "data", ZoneInfo(BERLIN))
    store.open()
    rows = store.database.connection().execute("SELECT day, count, low, high FROM days ORDER BY day").fetchall()
    assert rows == [("2026-10-24", 1, 19.0, 19.0), ("2026-10-25", 2, 23.0, 23.0)]


def make_movie_file(data_dir, day, data):
    movies = Movies(data_dir)
    movies.folder.mkdir(parents=True, exist_ok=True)
    movies.path(day).write_bytes(data)
    return movies


def test_the_day_page_plays_the_time_lapse_when_there_is_one(make_app, monkeypatch):
    app = make_app(timezone=BERLIN)
    photo = add_photo_at(app.store, monkeypatch, utc("2026-07-01T10:00:00Z"))
    web = webtest.TestApp(app)
    page = web.get("/days/2026-07-01").text
    assert "<video" not in page and "There is no time-lapse of this day yet." in page
    movies = make_movie_file(app.settings.data_dir, datetime.date(2026, 7, 1), b"\0" * 1000)
    page = web.get("/days/2026-07-01").text
    assert ('<video controls playsinline preload="metadata" src="/days/2026-07-01/timelapse.mp4">' in page)
    movies.poster_path(datetime.date(2026, 7, 1)).write_bytes((tmp := app.store.path_of(photo)).read_bytes())
    assert 'poster="/days/2026-07-01/poster.jpg"' in web.get("/days/2026-07-01").text
    assert web.get("/days/2026-07-01/poster.jpg").body == tmp.read_bytes()
    movie = web.get("/api/v1/days/2026-07-01").json["movie"]
    assert movie == {"url": "/days/2026-07-01/timelapse.mp4", "size": 1000,
                     "poster_url": "/days/2026-07-01/poster.jpg"}


def test_without_ffmpeg_the_day_page_says_how_to_install_it(make_app, monkeypatch):
    app = make_app(timezone=BERLIN)
    add_photo_at(app.store, monkeypatch, utc("2026-07-01T10:00:00Z"))
    monkeypatch.setenv("PATH", "/nonexistent")
    page = webtest.TestApp(app).get("/days/2026-07-01").text
    assert "ffmpeg is not installed" in page and "apt install --no-install-recommends ffmpeg" in page


def test_the_time_lapse_is_served_in_ranges_by_the_real_server(start_server, tmp_path):
    """Against the real gunicorn, with the requests Safari sends first (Range: bytes=0-1), per RFC 9110."""
    day = datetime.date(2026, 7, 1)
    data = bytes(range(256)) * 40
    make_movie_file(tmp_path / "data", day, data)
    server = start_server()
    path = "/days/2026-07-01/timelapse.mp4"
    status, headers, body = server.request("GET", path, headers={"Range": "bytes=0-1"})
    assert (status, body) == (206, data[:2])
    assert headers["Content-Range"] == f"bytes 0-1/{len(data)}" and headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Type"] == "video/mp4" and headers["Content-Length"] == "2"
    status, headers, body = server.request("GET", path, headers={"Range": "bytes=100-"})
    assert (status, body) == (206, data[100:])
    status, headers, body = server.request("GET", path, headers={"Range": f"bytes={len(data)}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"
    assert b"That part of the file does not exist." in body
    status, headers, body = server.request("HEAD", path)
    assert (status, body) == (200, b"") and headers["Content-Length"] == str(len(data))
    status, headers, body = server.request("GET", path)
    assert (status, body) == (200, data) and headers["Content-Type"] == "video/mp4"
    status, _, body = server.request("GET", path, headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    assert "media-src 'self'" in headers["Content-Security-Policy"]
    assert server.request("GET", "/days/2026-07-02/timelapse.mp4")[0] == 404


def test_a_password_hides_the_days_and_their_movies(make_app, hambot):
    done = hambot("set-password", input="correct horse\n")
    assert done.returncode == 0, done.stderr
    app = make_app()
    make_movie_file(app.settings.data_dir, datetime.date(2026, 7, 1), b"movie")
    web = webtest.TestApp(app)
    for address in ("/days", "/days/2026-07-01", "/days/2026-07-01/timelapse.mp4", "/days/2026-07-01/poster.jpg"):
        assert web.get(address, status=303).headers["Location"].startswith("/login")
    for address in ("/api/v1/days", "/api/v1/days/2026-07-01"):
        web.get(address, status=401)
