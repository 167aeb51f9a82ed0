"""What the pages tell the browser: the camera's usual time for the progress bar, opt-in auto-refresh, titles."""

import pytest
import webtest

from conftest import add_photo


@pytest.fixture
def app(make_app):
    return make_app(camera_timeout=20)


@pytest.fixture
def site(app):
    return webtest.TestApp(app)


def usual_seconds(page):
    return float(page.html.select_one("form.snapshot")["data-usual-seconds"])


def test_the_button_is_told_the_median_of_recent_captures(app, site):
    assert usual_seconds(site.get("/")) == 0  # no history: the bar just shows it is busy
    for seconds in (1.0, 9.0, 2.0, 3.0, 2.5):
        add_photo(app.store, seconds=seconds)
    assert 2.5 <= usual_seconds(site.get("/")) < 3  # storing each one adds a little on a busy machine
    assert site.get("/photos").html.select_one("form.snapshot") is None  # the gallery has no button


def test_only_the_last_nine_captures_count_and_a_hung_one_is_capped_at_the_time_out(app, site):
    for _ in range(9):
        add_photo(app.store, seconds=60)
    assert usual_seconds(site.get("/")) == 20  # CAMERA_TIMEOUT
    for _ in range(5):
        add_photo(app.store, seconds=1.5)
    assert 1.5 <= usual_seconds(site.get("/")) < 2.5


def test_the_button_has_a_hidden_progress_bar_and_a_place_for_news(site):
    form = site.get("/").html.select_one("form.snapshot")
    assert form.select_one("progress").has_attr("hidden")
    assert form.select_one(".progress-note")["role"] == "status"


def test_auto_refresh_is_off_until_chosen(app, site):
    add_photo(app.store)
    page = site.get("/")
    assert page.html.select_one("main").get("data-refresh-seconds") is None
    assert "http-equiv" not in page.text
    choice = page.forms[1]
    assert (choice.method.lower(), choice.action, choice["refresh"].value) == ("get", "/", "0")


def test_home_with_auto_refresh_follows_the_newest_photo(app, site):
    mine = site.post("/snapshot").follow()  # the cookie now names this one
    newest = add_photo(app.store)  # the hourly timer took another since
    assert mine.html.select_one("#image-data")["src"] != f"/photos/{newest.filename}"
    page = site.get("/?refresh=5")
    assert page.html.select_one("#image-data")["src"] == f"/photos/{newest.filename}"
    assert page.html.select_one("figcaption").text.startswith("The newest photo")
    main = page.html.select_one("main")
    assert (main["data-refresh-seconds"], main["data-refresh-url"]) == ("300", "/?refresh=5")
    assert page.html.select_one("noscript meta")["content"] == "300; url=/?refresh=5"
    assert page.html.select_one("#refresh option[selected]")["value"] == "5"
    assert "newest photo every 5 minutes" in page.html.select_one(".refresh-state").text


def test_a_photo_page_with_auto_refresh_moves_on_to_the_newest_photo(app, site):
    old, new = add_photo(app.store), add_photo(app.store)
    page = site.get(f"/photos/{old.id}?refresh=15")
    assert page.html.select_one("#image-data")["src"] == f"/photos/{old.filename}"
    assert page.html.select_one("main")["data-refresh-url"] == "/latest?refresh=15"
    assert page.html.select_one("noscript meta")["content"] == "900; url=/latest?refresh=15"
    assert page.forms[1].action == f"/photos/{old.id}"
    moved = site.get("/latest?refresh=15")
    assert moved.status_int == 303 and moved.headers["Location"] == f"/photos/{new.id}?refresh=15"
    assert moved.follow().html.select_one("#image-data")["src"] == f"/photos/{new.filename}"


def test_latest_with_no_photos_goes_home(site):
    assert site.get("/latest").headers["Location"] == "/"
    assert site.get("/latest?refresh=1").headers["Location"] == "/?refresh=1"


@pytest.mark.parametrize("value", ["7", "-1", "5.0", "", "abc", "9" * 5000, "５"])
def test_a_refresh_that_is_not_offered_is_refused_with_a_sentence(app, site, value):
    photo = add_photo(app.store)
    for path in ("/", f"/photos/{photo.id}", "/latest"):
        page = site.get(path, {"refresh": value}, status=400)
        assert "refresh part must be 0 (off) or a number of minutes: 1, 5, 15, 60" in page.text


def test_page_titles_name_the_photos_time(app, site):
    assert site.get("/").html.title.text.startswith("Home ·")
    photo = site.post("/snapshot").follow()
    taken = photo.html.select_one("figcaption time").text.strip()
    assert photo.html.title.text.startswith(f"Photo of {taken} ·")
    assert site.get("/").html.title.text.startswith(f"Photo of {taken} ·")
