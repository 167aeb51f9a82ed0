"""Hostile and malformed requests: a clear 4xx, never a 500, never a byte from outside the store."""

import pytest

PATHS = [
    "/photos/..", "/photos/%2e%2e", "/photos/%2e%2e%2f%2e%2e%2fsecret_key", "/photos/..%2f..%2fhambot.sqlite3",
    "/photos/%2fetc%2fpasswd", "/photos/%00", "/photos/abcdefghijk%00.jpg", "/photos/" + "a" * 5000,
    "/photos/" + "A" * 12 + ".jpg", "/photos/....%2f%2f",
    "/photos/..%5c..%5csecret_key", "/photos/secret_key", "/photos/hambot.sqlite3", "/static/..%2fapp.py",
    "/static/%2e%2e%2fapp.py", "/static/../app.py", "/static/", "/snapshots/pending",
    "/snapshots/pending?after=-1&since=0", "/snapshots/pending?after=1e9&since=0",
    "/snapshots/pending?after=abc&since=1", "/snapshots/pending?after=%00&since=1",
    "/snapshots/pending?after=99999999999999999999&since=1", "/?get+image", "/index/../..",
]


@pytest.fixture
def stored(web):
    """The app with one photo; returns (web, photo id, bytes that must never leak)."""
    photo_id = web.post("/snapshot").headers["Location"].rsplit("/", 1)[1]
    data_dir = web.app.settings.data_dir
    secrets = [(data_dir / "secret_key").read_text().strip(), "SQLite format 3"]
    return web, photo_id, secrets


@pytest.mark.parametrize("path", PATHS)
def test_hostile_paths_get_a_clear_answer_and_nothing_from_outside_the_store(stored, path):
    web, photo_id, secrets = stored
    answer = web.get(path, expect_errors=True)
    assert answer.status_int < 500
    body = answer.body.decode("latin-1")
    for secret in secrets:
        assert secret not in body
    assert "Traceback" not in body and str(web.app.settings.data_dir) not in body


@pytest.mark.parametrize("suffix", [".JPG", ".jpg.bak", ".jpeg", ".sqlite3", ".jpg/", ".jpg%00", "..jpg", ".png"])
def test_only_the_exact_photo_file_name_is_served(stored, suffix):
    web, photo_id, _ = stored
    assert web.get(f"/photos/{photo_id}{suffix}", expect_errors=True).status_int == 404


@pytest.mark.parametrize("method, path, status", [
    ("PUT", "/snapshot", 405), ("DELETE", "/photos/AAAAAAAAAAAA", 405), ("GET", "/snapshot", 405),
    ("POST", "/photos/AAAAAAAAAAAA.jpg", 405), ("PATCH", "/", 405),
])
def test_methods_a_route_does_not_take_are_405(web, method, path, status):
    answer = web._gen_request(method, path, expect_errors=True)
    assert answer.status_int == status
    assert "Allow" in answer.headers


def test_a_press_with_a_body_is_still_just_a_press(web, camera_runs):
    answer = web.post("/snapshot", params=b"x" * 60_000, content_type="application/octet-stream")
    assert answer.status_int == 303
    assert camera_runs.count() == 1


def test_a_press_with_a_body_over_64_kb_is_refused_and_takes_no_photo(web, camera_runs):
    answer = web.post("/snapshot", params=b"x" * 2_000_000, content_type="application/octet-stream", status=413)
    assert answer.html.find(class_="sentence").text == "That request is too large."
    assert camera_runs.count() == 0


def test_error_pages_are_the_sites_own(web):
    page = web.get("/photos/AAAAAAAAAAAA", status=404)
    assert page.html.find(class_="sentence").text == "There is no photo with that address."
    page = web.get("/no/such/page", status=404)
    assert page.html.find(class_="sentence").text == "There is nothing at this address."
