"""The gallery, thumbnails, older/newer links, the temperature chart and the home page's sparkline."""

import io
import time

import pytest
import webtest
from PIL import Image

from conftest import add_photo


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def site(app):
    return webtest.TestApp(app)


def fill(app, count):
    return [add_photo(app.store, celsius=20 + i / 10) for i in range(count)]


def gallery_ids(page):
    return [a["href"].rsplit("/", 1)[1] for a in page.html.select("ul.gallery a")]


def test_the_gallery_pages_through_every_photo_newest_first(app, site):
    photos = fill(app, 50)
    newest_first = [p.id for p in reversed(photos)]
    first = site.get("/photos")
    assert gallery_ids(first) == newest_first[:24]
    assert first.html.select_one("nav.pager a.newer") is None
    second = first.click(linkid=None, href=r"before=", index=0)
    assert gallery_ids(second) == newest_first[24:48]
    third = second.click(href=r"before=")
    assert gallery_ids(third) == newest_first[48:]
    assert third.html.select_one("nav.pager a.older") is None
    back = third.click(href=r"after=")
    assert gallery_ids(back) == newest_first[24:48]


def test_each_thumbnail_shows_its_time_and_temperature_and_links_to_its_page(app, site):
    photo = fill(app, 1)[0]
    item = site.get("/photos").html.select_one("ul.gallery li")
    assert item.a["href"] == f"/photos/{photo.id}"
    assert item.img["src"] == f"/photos/{photo.id}/thumb.jpg" and item.img["alt"]
    assert item.time["datetime"].endswith("Z")
    assert "20.0 °C" in item.text


def test_an_empty_gallery_says_so(site):
    assert "No photos yet" in site.get("/photos").text


@pytest.mark.parametrize("query, status", [("before=../../etc", 400), ("after=%00", 400),
                                           ("before=AAAAAAAAAAAA", 404)])
def test_a_bad_or_vanished_cursor_gets_a_clear_page(site, query, status):
    page = site.get(f"/photos?{query}", status=status)
    assert "<h1>" in page.text and "Traceback" not in page.text


def test_thumbnails_are_small_jpegs_served_like_photos(app, site):
    photo = fill(app, 1)[0]
    thumb = site.get(f"/photos/{photo.id}/thumb.jpg")
    assert thumb.content_type == "image/jpeg"
    assert "immutable" in thumb.headers["Cache-Control"]
    with Image.open(io.BytesIO(thumb.body)) as image:
        assert image.format == "JPEG" and image.width <= 320
    site.get(f"/photos/{photo.id}/thumb.jpg", headers={"If-None-Match": thumb.headers["ETag"]}, status=304)
    site.get("/photos/AAAAAAAAAAAA/thumb.jpg", status=404)


def test_a_wide_photo_gets_a_320_pixel_thumbnail_made_when_it_is_stored(app, site, tmp_path):
    big = tmp_path / "big.jpg"
    Image.new("RGB", (1920, 1080), (90, 60, 30)).save(big, quality=90)
    photo = add_photo(app.store)
    app.store.path_of(photo).write_bytes(big.read_bytes())  # a real camera's size, for the lazy path
    app.store.thumbnail_path_of(photo).unlink()
    body = site.get(f"/photos/{photo.id}/thumb.jpg").body
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (320, 180)
    assert app.store.thumbnail_path_of(photo).read_bytes() == body  # made once, then kept


def test_a_photo_stored_before_thumbnails_gets_one_when_first_asked(app, site):
    photo = add_photo(app.store, sample="sample.png")
    app.store.thumbnail_path_of(photo).unlink()
    thumb = site.get(f"/photos/{photo.id}/thumb.jpg")
    assert thumb.content_type == "image/jpeg" and thumb.body[:3] == b"\xff\xd8\xff"
    assert app.store.thumbnail_path_of(photo).exists()


def test_the_photo_page_links_to_the_older_and_newer_photos(app, site):
    first, middle, last = fill(app, 3)
    page = site.get(f"/photos/{middle.id}")
    assert page.html.select_one("nav.pager a.older")["href"] == f"/photos/{first.id}"
    assert page.html.select_one("nav.pager a.newer")["href"] == f"/photos/{last.id}"
    assert site.get(f"/photos/{last.id}").html.select_one("nav.pager a.newer") is None
    assert site.get(f"/photos/{first.id}").html.select_one("nav.pager a.older") is None


def record_day(app, celsius_of_hour, hours=24):
    now = time.time()
    for minute in range(0, hours * 60, 5):
        app.history.record(celsius_of_hour(minute / 60), "schedule", now - hours * 3600 + minute * 60 + 30)


def test_the_chart_draws_the_readings_with_min_max_and_latest_written_out(app, site):
    record_day(app, lambda hour: 19 + hour / 4)  # 19 °C rising to about 25 °C
    page = site.get("/temperature")
    svg = page.html.select_one("figure.chart svg")
    line = svg.select_one("polyline.line")["points"].split()
    assert len(line) >= 280  # one point per 5 minutes over a day
    assert svg.select_one("title").text == "Temperature over the last 24 hours"
    summary = page.html.select_one("dl.summary").text
    assert "19.0 °C" in summary and "25.0 °C" in summary
    assert svg.select_one("rect.comfort") is not None


def test_the_chart_switches_between_a_day_a_week_and_a_month(app, site):
    record_day(app, lambda hour: 21.0, hours=24 * 9)
    day = site.get("/temperature?range=24h").html.select_one("polyline.line")["points"].split()
    week = site.get("/temperature?range=7d").html.select_one("polyline.line")["points"].split()
    month = site.get("/temperature?range=30d").html.select_one("polyline.line")["points"].split()
    assert 280 <= len(day) <= 289 and 330 <= len(week) <= 337 and 100 <= len(month) <= 110
    assert site.get("/temperature?range=7d").html.select_one("nav.ranges [aria-current]").text == "7 days"
    site.get("/temperature?range=1y", status=400)


def test_a_gap_in_the_readings_shows_as_a_gap(app, site):
    now = time.time()
    for minute in list(range(0, 180, 5)) + list(range(600, 780, 5)):
        app.history.record(21.0, "schedule", now - 86000 + minute * 60)
    assert len(site.get("/temperature").html.select("polyline.line")) == 2


def test_the_chart_is_in_fahrenheit_when_asked(make_app):
    app = make_app(temperature_unit="F", temperature_comfort_min="none", temperature_comfort_max="none")
    record_day(app, lambda hour: 20.0)
    page = webtest.TestApp(app).get("/temperature")
    assert "68.0 °F" in page.html.select_one("dl.summary").text
    assert page.html.select_one("rect.comfort") is None


def test_no_readings_give_an_empty_chart_that_says_so(site):
    page = site.get("/temperature")
    assert "No readings in this period" in page.text


def test_the_home_page_shows_a_sparkline_of_the_last_day(app, site):
    record_day(app, lambda hour: 20 + hour / 8)
    spark = site.get("/").html.select_one("a.spark svg.sparkline")
    assert spark["aria-label"].startswith("Last 24 hours: from 20.0 °C to")
    assert len(spark.polyline["points"].split()) >= 40
