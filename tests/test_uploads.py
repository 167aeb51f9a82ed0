"""Uploads into one hambot (POST /api/v1/photos, /api/v1/readings): scopes, camera names, the image checks,
and one photo per Idempotency-Key. In-process through WebTest; the image checks are Pillow's real decoder."""

import sqlite3

import pytest
import webtest

from conftest import CAMERAS, issue_token, noisy_jpeg

JPEG = (CAMERAS / "sample.jpg").read_bytes()
PNG = (CAMERAS / "sample.png").read_bytes()


@pytest.fixture
def api(make_app):
    """WebTest over the app; its .app is the hambot, for the store and the tokens."""
    return webtest.TestApp(make_app(dead_time=0))


@pytest.fixture
def app(api):
    return api.app


def auth(token, **headers):
    return {"Authorization": f"Enigma {token}", **headers}


def upload(api, token, body=JPEG, status=201, content_type="image/jpeg", query="", **headers):
    return api.post(f"/api/v1/photos{query}", body, headers=auth(token, **headers), content_type=content_type,
                    status=status)


def photo_count(app):
    return app.store.totals()[0]


def test_an_upload_is_stored_as_a_photo_of_its_camera_and_served(app, api):
    token = issue_token(app, "garden", scopes=("upload",), camera="garden")
    answer = upload(api, token, query="?taken_at=2026-11-21T08:00:00Z&temperature_c=21.25&source=schedule")
    record = answer.json
    assert record["camera"] == "garden" and record["temperature_c"] == 21.25 and record["source"] == "schedule"
    assert record["taken_at"] == "2026-11-21T08:00:00.000Z"
    assert answer.headers["Location"] == f"/api/v1/photos/{record['id']}"
    assert api.get(record["url"]).body == JPEG
    assert api.get(record["page_url"]).status_int == 200
    assert photo_count(app) == 1


def test_a_png_and_a_multipart_form_are_taken_too(app, api):
    token = issue_token(app, "cam", scopes=("upload",))
    fields = [("camera", "porch"), ("temperature_c", "19.5")]
    answer = api.post("/api/v1/photos", fields, upload_files=[("photo", "shot.png", PNG)], headers=auth(token),
                      status=201)
    assert answer.json["camera"] == "porch" and answer.json["temperature_c"] == 19.5
    assert api.get(answer.json["url"]).content_type == "image/png"


def test_a_retried_upload_stores_one_photo_and_gets_the_first_answer(app, api):
    token = issue_token(app, "garden", scopes=("upload",), camera="garden")
    first = upload(api, token, **{"Idempotency-Key": "photo-abc"})
    again = upload(api, token, **{"Idempotency-Key": "photo-abc"})
    assert again.status_int == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert photo_count(app) == 1
    other = upload(api, token, body=PNG, content_type="image/png", status=409, **{"Idempotency-Key": "photo-abc"})
    assert "different upload" in other.json["error"]
    assert photo_count(app) == 1


def test_a_key_sent_twice_at_once_stores_one_photo(app, monkeypatch):
    """The second of two simultaneous uploads with one key got past the look-up before the first committed:
    its own transaction meets the first's row, and it answers as the first did."""
    from hambot.core.uploads import Details
    details = Details("garden", 1.8e9, None, "upload")
    first = app.uploads.photo(JPEG, details, token_name="garden", key="k", render=lambda p: f'"{p.id}"')
    real, missed = app.uploads.earlier, []
    monkeypatch.setattr(app.uploads, "earlier", lambda *args: missed.append(1) if not missed else real(*args))
    second = app.uploads.photo(JPEG, details, token_name="garden", key="k", render=lambda p: f'"{p.id}"')
    assert second.replayed and second.body == first.body and photo_count(app) == 1
    assert not list(app.store.temp_dir.iterdir()) and len(list(app.store.photos_dir.iterdir())) == 1


def test_scopes_decide_who_may_upload_press_and_delete(app, api):
    reader = issue_token(app, "reader", scopes=("read",))
    assert "may not upload" in upload(api, reader, status=403).json["error"]
    assert "may not take photos" in api.post("/api/v1/snapshots", headers=auth(reader), status=403).json["error"]
    uploader = issue_token(app, "pi", scopes=("upload",))
    photo = upload(api, uploader).json
    assert api.delete(f"/api/v1/photos/{photo['id']}", headers=auth(uploader), status=403)
    admin = issue_token(app, "owner", scopes=("admin",))
    api.delete(f"/api/v1/photos/{photo['id']}", headers=auth(admin), status=204)


def test_a_token_tied_to_a_camera_cannot_upload_as_another(app, api):
    token = issue_token(app, "garden", scopes=("upload",), camera="garden")
    answer = upload(api, token, query="?camera=porch", status=403)
    assert answer.json["error"] == "This token uploads as the camera garden only."
    assert photo_count(app) == 0


def test_a_token_issued_before_scopes_keeps_every_call_it_had(app, api):
    """A row written before the scopes column existed (NULL) may read, press and delete, as before; not upload."""
    token = issue_token(app, "old")
    with app.store.database.transaction() as db:
        db.execute("UPDATE tokens SET scopes = NULL")
    api.post("/api/v1/snapshots", headers=auth(token), status=201)
    assert upload(api, token, status=403)


@pytest.mark.parametrize("body, words", [
    (b"not an image at all", "The upload is something that is not a JPEG or PNG image."),
    (JPEG[:400], "The upload is a damaged image"),
    (b"", "The upload has no photo"),
])
def test_a_bad_image_is_refused_with_a_sentence_and_leaves_nothing(app, api, body, words):
    token = issue_token(app, "pi", scopes=("upload",))
    assert words in upload(api, token, body=body, status=400).json["error"]
    assert photo_count(app) == 0 and not list(app.store.temp_dir.iterdir())


def test_a_photo_over_max_photo_mb_is_refused(make_app):
    app = make_app(max_photo_mb=0.05)
    api = webtest.TestApp(app)
    token = issue_token(app, "pi", scopes=("upload",))
    answer = upload(api, token, body=noisy_jpeg(), status=413)
    assert "MAX_PHOTO_MB" in answer.json["error"] or "too large" in answer.json["error"]
    assert photo_count(app) == 0


def test_a_full_disk_refuses_an_upload_with_507(make_app):
    app = make_app(min_free_mb=10**9)
    api = webtest.TestApp(app)
    token = issue_token(app, "pi", scopes=("upload",))
    assert "the photo was not stored" in upload(api, token, status=507).json["error"]


@pytest.mark.parametrize("query, words", [
    ("?taken_at=yesterday", "taken_at"), ("?taken_at=1999-01-01T00:00:00Z", "not before 2000"),
    ("?temperature_c=hot", "temperature_c"), ("?temperature_c=nan", "temperature_c"),
    ("?camera=no%20spaces", "camera name"), ("?source=Upper", "source"), ("?colour=red", "Unknown"),
])
def test_bad_fields_are_named(app, api, query, words):
    token = issue_token(app, "pi", scopes=("upload",))
    assert words in upload(api, token, query=query, status=400).json["error"]


def test_readings_are_uploaded_once_per_key_and_kept_apart_from_the_own_chart(app, api):
    token = issue_token(app, "garden", scopes=("upload",), camera="garden")
    path = "/api/v1/readings?taken_at=2026-11-21T08:00:00Z&temperature_c=18.5"
    first = api.post(path, headers=auth(token, **{"Idempotency-Key": "r1"}), status=201)
    again = api.post(path, headers=auth(token, **{"Idempotency-Key": "r1"}), status=201)
    assert first.json == again.json == {"camera": "garden", "taken_at": "2026-11-21T08:00:00.000Z",
                                        "celsius": 18.5, "source": "upload"}
    db = sqlite3.connect(app.store.db_path)
    assert db.execute("SELECT count(*), camera FROM readings").fetchone() == (1, "garden")
    assert db.execute("SELECT count(*) FROM reading_buckets").fetchone() == (0,)
    assert "temperature_c" in api.post("/api/v1/readings", headers=auth(token), status=400).json["error"]


def test_token_issue_takes_scopes_and_a_camera_and_list_shows_them(hambot):
    assert hambot("keysheet", "new").returncode == 0
    issued = hambot("token", "issue", "--name", "garden", "--scope", "upload", "--scope", "read",
                    "--camera", "garden")
    assert issued.returncode == 0, issued.stderr
    assert "allowed to read upload, as the camera garden only" in issued.stderr
    assert hambot("token", "issue", "--name", "phone").returncode == 0
    listed = hambot("token", "list").stdout
    assert "read upload (camera garden)" in listed
    assert "read press admin" in listed
    refused = hambot("token", "issue", "--name", "x", "--scope", "everything")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
