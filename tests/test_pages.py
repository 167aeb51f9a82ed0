"""The visitor's flow through the real app (WebTest): press, see the photo, come back to it."""

import io
import re
import threading
import time

import pytest
import webtest
from PIL import Image

from conftest import CAMERAS, add_photo, spoil_signature
from hambot.web.cookies import COOKIE_NAME

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def press(web, **kwargs):
    return web.post("/snapshot", **kwargs)


def test_a_first_visit_shows_the_placeholder_the_temperature_and_the_button(web):
    page = web.get("/")
    assert page.html.find("img", id="image-data")["src"] == "/static/placeholder.svg"  # where D.O.G.'s client looks
    assert "No photo yet" in page.text
    assert "23.1 °C" in page.html.find(class_="now").text
    form = page.forms[0]
    assert (form.method.lower(), form.action) == ("post", "/snapshot")
    assert form.html.find("button").text.strip() == "Get snapshot"


def test_pressing_the_button_redirects_to_the_new_photos_page(web, camera_runs):
    answer = press(web)
    assert answer.status_int == 303
    match = re.fullmatch(r"/photos/([A-Za-z0-9_-]{12})", answer.headers["Location"])
    assert match
    page = answer.follow()
    image = page.html.find("img", id="image-data")
    assert image["src"] == f"/photos/{match[1]}.jpg"
    assert page.html.find("time")["datetime"].endswith("Z")
    assert "23.1 °C" in page.html.text
    assert camera_runs.count() == 1
    photo = web.get(image["src"])
    assert photo.content_type == "image/jpeg"
    assert photo.body == (CAMERAS / "sample.jpg").read_bytes()


def test_coming_back_shows_the_visitors_last_photo(web):
    photo_page = press(web).follow()
    src = photo_page.html.find(id="image-data")["src"]
    assert web.get("/").html.find(id="image-data")["src"] == src
    assert web.get("/index").html.find(id="image-data")["src"] == src


def test_the_cookie_holds_only_a_signed_id_with_safe_attributes(web):
    answer = press(web)
    cookie = answer.headers["Set-Cookie"]
    photo_id = answer.headers["Location"].rsplit("/", 1)[1]
    value = re.match(rf"{COOKIE_NAME}=([^;]+)", cookie)[1]
    assert value.startswith(photo_id + ".")
    for attribute in ("HttpOnly", "Path=/", "Max-Age=31536000", "SameSite=lax"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()


def test_the_cookie_is_secure_over_https(web):
    cookie = press(web, extra_environ={"wsgi.url_scheme": "https"}).headers["Set-Cookie"]
    assert "; secure" in cookie.lower()


@pytest.mark.parametrize("tamper", [
    spoil_signature,  # a changed signature
    lambda value: "AAAAAAAAAAAA" + value[12:],  # someone else's id under this signature
    lambda value: value.split(".")[0],  # no signature at all
    lambda value: "gASVCAAAAAAAAACMBHBpY2tsZZQu",  # a pickle, as the D.O.G. server used
    lambda value: "../../etc/passwd.x",
    lambda value: "é" * 5000,
])
def test_a_tampered_cookie_counts_as_no_cookie(web, tamper):
    answer = press(web)
    value = re.match(rf"{COOKIE_NAME}=([^;]+)", answer.headers["Set-Cookie"])[1]
    visitor = webtest.TestApp(web.app)
    visitor.set_cookie(COOKIE_NAME, tamper(value))
    page = visitor.get("/")
    assert page.status_int == 200
    assert page.html.find("figcaption").text.startswith("The latest photo")  # what a newcomer sees


def test_a_cookie_for_a_photo_that_is_gone_shows_the_placeholder(web):
    photo_id = press(web).headers["Location"].rsplit("/", 1)[1]
    web.app.store._db().execute("DELETE FROM photos WHERE id = ?", (photo_id,))
    page = web.get("/")
    assert page.status_int == 200
    assert page.html.find(id="image-data")["src"] == "/static/placeholder.svg"


def test_a_newcomer_sees_the_latest_photo_labelled_so_and_a_returning_visitor_their_own(web):
    own = press(web).headers["Location"].rsplit("/", 1)[1]
    newer = add_photo(web.app.store)
    mine = web.get("/").html
    assert mine.find(id="image-data")["src"] == f"/photos/{own}.jpg"
    assert mine.find("figcaption").text.startswith("Your last photo")
    newcomer = webtest.TestApp(web.app).get("/").html
    assert newcomer.find(id="image-data")["src"] == f"/photos/{newer.id}.jpg"
    assert newcomer.find("figcaption").text.startswith("The latest photo")


def test_every_page_is_ascii_with_anything_else_as_a_character_reference(make_app):
    web = webtest.TestApp(make_app(site_title="Mölly’s cam"))
    photo_id = press(web).headers["Location"].rsplit("/", 1)[1]
    for path in ("/", f"/photos/{photo_id}", "/photos", "/temperature", "/nowhere", "/snapshots/pending?after=9&since=9999999999"):
        body = web.get(path, expect_errors=True).body
        body.decode("ascii")
        assert b"M&#246;lly&#8217;s cam" in body and b"&#183;" in body, path


def test_photos_are_immutable_with_a_strong_etag(web):
    src = press(web).follow().html.find(id="image-data")["src"]
    photo = web.get(src)
    photo_id = src.split("/")[-1].split(".")[0]
    assert photo.headers["ETag"] == f'"{photo_id}"'
    assert photo.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert photo.headers["Content-Length"] == str(len(photo.body))
    again = web.get(src, headers={"If-None-Match": f'"other", "{photo_id}"'}, status=304)
    assert again.body == b""
    assert web.head(src).body == b""


def test_a_png_camera_is_served_as_png(make_app):
    web = webtest.TestApp(make_app("png.sh"))
    src = press(web).follow().html.find(id="image-data")["src"]
    assert src.endswith(".png")
    assert web.get(src).content_type == "image/png"
    web.get(src[:-4] + ".jpg", status=404)


def test_the_old_dog_bookmark_takes_a_photo_and_shows_it(web, camera_runs):
    page = web.get("/?get+image=1")
    assert page.status_int == 200
    assert page.html.find("img", id="image-data")["src"].startswith("/photos/")
    assert web.get("/index?get+image=x").html.find(id="image-data")["src"] == \
        page.html.find(id="image-data")["src"]  # within the dead time: the same photo
    assert camera_runs.count() == 1
    assert web.app.store.latest().source == "legacy"


def test_a_press_within_the_dead_time_lands_on_the_same_photo(web, camera_runs):
    first = press(web).headers["Location"]
    second = webtest.TestApp(web.app).post("/snapshot").headers["Location"]  # another visitor's press
    assert second == first + "?shared=1"
    assert camera_runs.count() == 1
    note = web.get(second).html.select_one(".shared").text
    assert re.fullmatch(r"Someone took this \d s ago; the camera rests 10 s between photos\. "
                        r"A new one can be taken in \d+ s\.", note)
    assert web.get(first).html.select_one(".shared") is None


@pytest.mark.parametrize("age", [0.2, 4.5, 4.6, 9.4, 9.9])
def test_the_shared_note_says_who_took_it_and_its_age_and_wait_add_up_to_the_dead_time(web, age):
    taker, other = press(web).headers["Location"], webtest.TestApp(web.app)
    web.app.store._db().execute("UPDATE photos SET taken_at = taken_at - ?", (age,))
    for visitor, who in ((web, "You"), (other, "Someone")):
        landed = press(visitor).follow()
        note = re.fullmatch(rf"{who} took this (\d+) s ago; the camera rests 10 s between photos\. "
                            r"A new one can be taken in (\d+) s\.", landed.html.select_one(".shared").text)
        assert note and int(note[1]) + int(note[2]) == 10, landed.html.select_one(".shared").text
        assert landed.request.path == taker


@pytest.mark.parametrize("camera, sentence", [
    ("fails.sh", "The camera script exited with status 1: my-camera: the lens cover is closed"),
    ("writes_nothing.sh", "The camera produced no image."),
    ("writes_garbage.sh", "The camera produced something that is not a JPEG or PNG image."),
    ("writes_empty.sh", "The camera produced an empty file."),
])
def test_a_failed_capture_answers_503_with_its_sentence_and_a_try_again_button(make_app, camera, sentence):
    web = webtest.TestApp(make_app(camera))
    page = press(web, status=503)
    assert sentence in page.html.find(class_="sentence").text
    assert page.forms[0].action == "/snapshot"
    assert "Set-Cookie" not in page.headers
    assert web.app.store.latest() is None
    assert list(web.app.store.temp_dir.iterdir()) == []


def test_a_hung_camera_answers_503_naming_the_time_out(make_app):
    web = webtest.TestApp(make_app("hangs.sh", camera_timeout=0.5))
    page = press(web, status=503)
    assert "The camera did not answer within 0.5 s." in page.text


def test_the_next_press_after_a_failure_tries_again(make_app, camera_runs, tmp_path):
    web = webtest.TestApp(make_app("fails.sh"))
    press(web, status=503)
    press(web, status=503)
    assert camera_runs.count() == 2


def test_no_temperature_is_shown_as_no_reading_with_the_reason(make_app, w1):
    w1.add_sensor(celsius=85.0)
    web = webtest.TestApp(make_app())
    page = press(web).follow()
    assert "no reading" in page.text
    assert "85 °C, its power-on value" in page.html.text
    assert "no reading" in web.get("/").text


def test_fahrenheit_display(make_app):
    web = webtest.TestApp(make_app(temperature_unit="F"))
    assert "73.6 °F" in press(web).follow().html.text


def test_the_site_title_is_on_every_page(make_app):
    web = webtest.TestApp(make_app(site_title="Moolah <3"))
    assert "Moolah &lt;3" in web.get("/").text
    assert "<title>Home &#183; Moolah &lt;3</title>" in web.get("/").text


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost.evil.example"])
def test_a_cross_site_press_is_refused(web, camera_runs, origin):
    page = press(web, headers={"Origin": origin}, status=403)
    assert page.html.find(class_="sentence").text == "This form can only be sent from hambot's own page."
    assert camera_runs.count() == 0


def test_a_press_marked_cross_site_by_the_browser_is_refused(web, camera_runs):
    press(web, headers={"Sec-Fetch-Site": "cross-site"}, status=403)
    assert camera_runs.count() == 0


def test_a_same_origin_press_and_a_press_from_curl_are_accepted(web):
    press(web, headers={"Origin": "http://localhost:80", "Host": "localhost:80"}, status=303)
    press(web, status=303)


@pytest.mark.parametrize("path", ["/", "/photos/nonexistent1", "/static/style.css", "/nowhere"])
def test_every_response_carries_the_security_headers(web, path):
    answer = web.get(path, expect_errors=True)
    for header in SECURITY_HEADERS:
        assert header in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]


def test_pages_load_nothing_from_other_hosts(web):
    page = press(web).follow()
    for tag, attribute in (("img", "src"), ("link", "href"), ("script", "src"), ("form", "action")):
        for element in page.html.find_all(tag):
            assert element[attribute].startswith("/"), element


def test_the_static_files_are_served(web):
    assert web.get("/static/style.css").content_type == "text/css"
    assert web.get("/static/hambot.js").status_int == 200
    assert web.get("/favicon.ico").status_int == 200


def test_a_press_beyond_the_waiting_threads_gets_the_pending_page_then_the_photo(make_app, camera_runs):
    web = webtest.TestApp(make_app("held.sh", dead_time=0, threads=2))  # one thread may wait on the camera
    first = threading.Thread(target=lambda: press(web))
    first.start()
    assert camera_runs.wait_for_runs(1) == 1
    other = webtest.TestApp(web.app)  # another visitor
    answer = press(other)
    assert answer.status_int == 303
    pending_url = answer.headers["Location"]
    assert pending_url.startswith("/snapshots/pending?after=0&since=")
    page = other.get(pending_url)
    assert page.html.find("meta", attrs={"http-equiv": "refresh"})["content"] == "1"
    assert "Taking a photo…" in page.html.text
    camera_runs.release()
    first.join(timeout=30)
    landed = other.get(pending_url)
    assert landed.status_int == 303
    assert landed.headers["Location"] == f"/photos/{web.app.store.latest().id}?shared=1"  # someone else's press
    assert "hambot_photo=" in landed.headers["Set-Cookie"]
    assert camera_runs.count() == 1


def test_the_pending_page_waits_for_the_capture_rather_than_for_its_next_refresh(make_app, camera_runs):
    web = webtest.TestApp(make_app("held.sh", dead_time=0, threads=2))
    first = threading.Thread(target=lambda: press(web))
    first.start()
    assert camera_runs.wait_for_runs(1) == 1
    other = webtest.TestApp(web.app)
    pending_url = press(other).headers["Location"]
    threading.Timer(0.5, camera_runs.release).start()
    started = time.monotonic()
    landed = other.get(pending_url)  # asked while the camera still runs: answered once it is done
    assert landed.status_int == 303
    assert time.monotonic() - started < 3
    assert landed.headers["Location"] == f"/photos/{web.app.store.latest().id}?shared=1"
    first.join(timeout=30)
    assert camera_runs.count() == 1


def test_a_pending_page_that_waited_far_too_long_says_so(web):
    page = web.get("/snapshots/pending?after=0&since=1", status=503)
    assert page.html.find(class_="sentence").text == "The camera is still busy; please press again."


def test_photo_bytes_go_through_the_servers_file_wrapper(web):
    src = press(web).follow().html.find(id="image-data")["src"]
    wrapped = []

    class file_wrapper:  # as PEP 3333 describes wsgi.file_wrapper; gunicorn's uses sendfile
        def __init__(self, file, block_size=8192):
            self.file = file
            wrapped.append(file.name)

        def __iter__(self):
            return iter(lambda: self.file.read(8192), b"")

        def close(self):
            self.file.close()

    answer = web.get(src, extra_environ={"wsgi.file_wrapper": file_wrapper})
    assert wrapped == [str(web.app.store.photos_dir / src.split("/")[-1])]
    assert answer.body == (CAMERAS / "sample.jpg").read_bytes()


def test_a_failed_capture_is_logged(make_app, caplog):
    web = webtest.TestApp(make_app("writes_nothing.sh"))
    press(web, status=503)
    assert any("capture failed" in r.message and "The camera produced no image." in r.message
               for r in caplog.records)


def test_the_web_app_manifest_names_the_site_and_its_icons_are_real(make_app):
    web = webtest.TestApp(make_app(site_title="Moolah's cam"))
    assert web.get("/").html.find("link", rel="manifest")["href"] == "/manifest.webmanifest"
    answer = web.get("/manifest.webmanifest")
    assert answer.content_type == "application/manifest+json"
    manifest = answer.json
    assert manifest["name"] == "Moolah's cam" and manifest["start_url"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        body = web.get(icon["src"]).body
        if icon["type"] == "image/png":
            side = int(icon["sizes"].split("x")[0])
            with Image.open(io.BytesIO(body)) as image:
                assert image.format == "PNG" and image.size == (side, side)
