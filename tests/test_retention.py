"""Storage that never fills: MAX_PHOTOS, MAX_STORAGE_MB, MIN_FREE_MB, kept photos, and 507 on a full disk."""

import io
import random

import webtest
from PIL import Image

from conftest import add_photo, fill, issue_token


def noise_jpeg(size_kb):
    """A JPEG of random pixels (which JPEG cannot shrink) of at least size_kb kilobytes."""
    side = 64
    while True:
        pixels = random.Random(side).randbytes(side * side * 3)
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), pixels).save(out, "JPEG", quality=90)
        if out.tell() >= size_kb * 1024:
            return out.getvalue()
        side = int(side * 1.1)


def ids(store):
    photos, _, _ = store.page(limit=100)
    return [p.id for p in photos]


def test_max_photos_removes_the_oldest_after_each_capture_with_their_thumbnails(make_app):
    app = make_app(max_photos=3, dead_time=0)
    store = app.store
    first, second = add_photo(store), add_photo(store)
    add_photo(store)
    web = webtest.TestApp(app)
    for _ in range(2):
        web.post("/snapshot", status=303)
    assert len(ids(store)) == 3 and first.id not in ids(store) and second.id not in ids(store)
    assert not store.path_of(first).exists() and not store.thumbnail_path_of(first).exists()
    assert store.totals()[0] == 3


def test_kept_photos_are_never_removed_and_do_not_stop_the_rest_going(make_app, hambot):
    app = make_app(max_photos=2, dead_time=0)
    store = app.store
    kept = add_photo(store)
    assert hambot("keep", kept.id).returncode == 0
    others = [add_photo(store) for _ in range(3)]
    webtest.TestApp(app).post("/snapshot", status=303)
    assert kept.id in ids(store) and store.path_of(kept).exists()
    assert not any(p.id in ids(store) for p in others)
    assert len(ids(store)) == 2


def test_max_storage_mb_counts_the_photo_files(make_app):
    big = noise_jpeg(400)
    app = make_app(max_storage_mb=1, dead_time=0)
    store = app.store
    photos = [add_photo(store, data=big) for _ in range(3)]  # 1.2 MB: over the limit
    webtest.TestApp(app).post("/snapshot", status=303)
    remaining = ids(store)
    assert photos[0].id not in remaining and photos[1].id in remaining and photos[2].id in remaining
    assert store.totals()[1] <= 1024 * 1024


def test_prune_applies_lowered_limits_now_and_lists_what_it_removed(make_app, hambot):
    store = make_app().store
    photos = [add_photo(store) for _ in range(5)]
    done = hambot("prune", max_photos=2)
    assert done.returncode == 0, done.stderr
    assert [line.split()[1] for line in done.stdout.splitlines()[:3]] == [p.id for p in photos[:3]]
    assert "Removed 3 photo(s); 2 remain" in done.stdout
    assert ids(store) == [photos[4].id, photos[3].id]


def test_keep_through_the_api_and_the_photo_page_says_so(make_app):
    app = make_app()
    web = webtest.TestApp(app)
    photo = add_photo(app.store)
    token = issue_token(app)
    headers = {"Authorization": f"Enigma {token}"}
    web.post(f"/api/v1/photos/{photo.id}/keep", status=401)
    assert web.post(f"/api/v1/photos/{photo.id}/keep", headers=headers).json["kept"] is True
    assert "Kept: old-photo clean-up never removes it" in web.get(f"/photos/{photo.id}").text
    assert web.get(f"/api/v1/photos/{photo.id}").json["kept"] is True
    assert web.delete(f"/api/v1/photos/{photo.id}/keep", headers=headers).json["kept"] is False
    assert "Kept:" not in web.get(f"/photos/{photo.id}").text
    web.post("/api/v1/photos/AAAAAAAAAAAA/keep", headers=headers, status=404)


def test_keep_from_the_command_line_names_an_unknown_id(hambot):
    done = hambot("keep", "nosuchphoto1")
    assert done.returncode == 1 and done.stderr.strip() == "hambot: There is no photo with the id nosuchphoto1."


def test_photo_totals_follow_every_add_and_delete(make_app):
    store = make_app().store
    photos = [add_photo(store) for _ in range(4)]
    store.delete(photos[1].id)
    store.delete_many(photos[2:])
    real = store.database.connection().execute("SELECT count(*), sum(size) FROM photos").fetchone()
    assert store.totals() == real == (1, photos[0].size)


def test_a_low_disk_prunes_old_photos_before_the_camera_runs(make_app, small_disk, camera_runs):
    app = make_app(min_free_mb=1, dead_time=0)
    store = app.store
    old = [add_photo(store, data=noise_jpeg(300)) for _ in range(3)]
    fill(small_disk, 1024 * 1024 - int(1.5 * old[0].size))  # removing two old photos brings it over 1 MB
    webtest.TestApp(app).post("/snapshot", status=303)
    assert camera_runs.count() == 1
    remaining = ids(store)
    assert old[0].id not in remaining and old[1].id not in remaining and old[2].id in remaining
    assert len(remaining) == 2


def test_a_full_disk_that_pruning_cannot_fix_refuses_with_507_before_the_camera_and_touches_nothing(
        make_app, small_disk, camera_runs):
    app = make_app(min_free_mb=1, dead_time=0)
    store = app.store
    old = [add_photo(store, data=noise_jpeg(100)) for _ in range(2)]
    fill(small_disk, 256 * 1024)  # 0.25 MB free; all old photos together give back only 0.2 MB
    web = webtest.TestApp(app)
    page = web.post("/snapshot", status=507)
    assert "The disk is almost full" in page.text and "no photo was taken" in page.text
    assert camera_runs.count() == 0
    assert ids(store) == [old[1].id, old[0].id] and all(store.path_of(p).exists() for p in old)
    token = issue_token(app)
    answer = web.post("/api/v1/snapshots", headers={"Authorization": f"Enigma {token}"}, status=507)
    assert answer.json["status"] == 507 and "disk is almost full" in answer.json["error"]
    health = web.get("/healthz", status=503).json
    assert health["status"] == "failing" and "below MIN_FREE_MB" in health["problems"][0]
    assert list(small_disk.joinpath("tmp").iterdir()) == []
