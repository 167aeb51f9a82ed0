"""Several cameras pushing to one server with no camera of its own (CAMERA_SCRIPT = None): its home page, and
the gallery, chart and API filtered by camera. In-process through WebTest; the uploads are real JPEGs."""

import pytest
import webtest

from conftest import CAMERAS, issue_token

JPEG = (CAMERAS / "sample.jpg").read_bytes()


@pytest.fixture
def upstream(make_app):
    app = make_app(camera_script="none")
    web = webtest.TestApp(app)
    tokens = {name: issue_token(app, name, scopes=("upload",), camera=name) for name in ("garden", "porch")}

    def upload(camera, celsius, taken_at):
        return web.post(f"/api/v1/photos?temperature_c={celsius}&taken_at={taken_at}", JPEG,
                        headers={"Authorization": f"Enigma {tokens[camera]}"}, content_type="image/jpeg",
                        status=201).json

    web.upload = upload
    return web


def test_the_home_page_shows_every_cameras_latest_photo_with_its_temperature(upstream):
    upstream.upload("garden", 18.5, "2026-11-21T08:00:00Z")
    newest = upstream.upload("garden", 19.5, "2026-11-21T09:00:00Z")
    porch = upstream.upload("porch", 7.25, "2026-11-21T09:05:00Z")
    page = upstream.get("/").html
    cards = {card.select_one("strong").text: card for card in page.select("ul.cameras li")}
    assert set(cards) == {"garden", "porch"}
    assert cards["garden"].select_one("img")["src"] == f"/photos/{newest['id']}/thumb.jpg"
    assert "19.5" in cards["garden"].select_one(".temp").text and "7.2" in cards["porch"].select_one(".temp").text
    assert cards["porch"].select_one("a")["href"] == "/cameras/porch"
    assert porch["id"] in upstream.get("/cameras/porch").text


def test_the_gallery_and_the_api_list_filter_by_camera(upstream):
    garden = {upstream.upload("garden", 18, f"2026-11-21T0{n}:00:00Z")["id"] for n in range(3)}
    upstream.upload("porch", 7, "2026-11-21T05:00:00Z")
    shown = {a["href"].rsplit("/", 1)[1] for a in upstream.get("/photos?camera=garden").html.select("ul.gallery a")}
    assert shown == garden
    listed = upstream.get("/api/v1/photos?camera=garden&limit=2").json
    assert {p["camera"] for p in listed["photos"]} == {"garden"} and listed["next"].endswith("&camera=garden")
    assert {p["id"] for p in upstream.get(listed["next"]).json["photos"]} <= garden
    assert len(upstream.get("/api/v1/photos").json["photos"]) == 4
    assert upstream.get("/photos?camera=no%20such", status=400)


def test_the_chart_and_the_history_filter_by_camera(upstream):
    import time
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    upstream.upload("garden", 18.5, now)
    upstream.upload("porch", 7.25, now)
    history = upstream.get("/api/v1/temperature/history?camera=porch").json["readings"]
    assert [r["celsius"] for r in history] == [7.25]
    assert upstream.get("/api/v1/temperature/history").json["readings"] == []  # the server's own probe: none
    chart = upstream.get("/temperature?camera=garden")
    summary = chart.html.select_one("dl.summary").text
    assert chart.html.select_one("h1").text == "Temperature at garden"
    assert "18.5" in summary and "7.2" not in summary


def test_the_own_button_of_a_server_without_a_camera_says_so(upstream):
    answer = upstream.post("/snapshot", status=503)
    assert "no camera of its own" in answer.text


def test_a_press_number_no_press_can_have_is_a_404_not_a_crash(make_app):
    """Found by the fuzzer: a 30-digit number overflowed SQLite's integer."""
    app = make_app(camera_script="none")
    token = issue_token(app, "garden", scopes=("upload",), camera="garden")
    answer = webtest.TestApp(app).post("/api/v1/cameras/garden/presses/188164495657649791994951630848", "{}",
                                       headers={"Authorization": f"Enigma {token}"},
                                       content_type="application/json", status=404)
    assert answer.json["error"] == "There is no press with that number for this camera."
