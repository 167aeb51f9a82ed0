"""The store: random ids, exclusive files, an index that never lists a missing file."""

import hashlib
import os
import sqlite3

import pytest

from conftest import CAMERAS
from hambot.core import store as store_module
from hambot.core.camera import Camera
from hambot.core.database import MIGRATIONS
from hambot.core.store import Store, is_valid_id, new_id
from hambot.core.thermometer import Reading


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "data")
    opened.open()
    return opened


def captured(store):
    path = store.temp_path(".jpg")
    return Camera(CAMERAS / "ok.sh", 10, 10**7).capture(path)


def add(store, source="button"):
    return store.add(captured(store), reading=Reading(21.5, 0), source=source, started_at=0)


def test_ids_are_random_url_safe_and_at_least_64_bits():
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_valid_id(i) and len(i) == 12 for i in ids)  # 12 base64 characters = 72 bits


@pytest.mark.parametrize("bad", ["", "..", "../../etc/pa", "abc", "a" * 13, "abcdefghijk/", "abcdefghij\x00k",
                                 "abcdefghij%2", "ABCDEFGHIJK.", None, 12])
def test_malformed_ids_are_refused(bad):
    assert not is_valid_id(bad)


def test_a_photo_is_indexed_and_its_file_is_in_the_store(store):
    photo = add(store)
    assert store.get(photo.id) == photo
    assert store.latest() == photo
    assert store.path_of(photo).read_bytes() == (CAMERAS / "sample.jpg").read_bytes()
    assert (photo.width, photo.height, photo.content_type, photo.temperature_c) == (160, 120, "image/jpeg", 21.5)
    assert list(store.temp_dir.iterdir()) == []


def test_an_id_collision_never_overwrites_a_photo(store, monkeypatch):
    first = add(store)
    ids = iter([first.id, "second-id-xx"])
    monkeypatch.setattr(store_module, "new_id", lambda: next(ids))
    second = add(store)
    assert second.id == "second-id-xx"
    assert store.get(first.id) == first
    assert store.path_of(first).exists()


def test_a_failing_index_removes_the_file_it_just_stored(store, monkeypatch):
    add(store)
    store._db().execute("DROP TABLE captures")  # the next insert fails
    with pytest.raises(sqlite3.Error):
        add(store)
    assert len(list(store.photos_dir.iterdir())) == 1


def test_the_index_is_sqlite_in_wal_mode_and_reopening_keeps_it(store, tmp_path):
    photo = add(store)
    again = Store(tmp_path / "data")
    again.open()
    assert again.get(photo.id) == photo
    assert again._db().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_forked_process_opens_its_own_connection(store):
    add(store)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(writer, store.latest().id.encode())
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    assert os.read(reader, 100).decode() == store.latest().id


def test_a_failure_while_indexing_leaves_no_row_and_no_file(store, monkeypatch):
    def broken(*args, **keywords):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(store_module.history, "record", broken)
    with pytest.raises(sqlite3.OperationalError):
        add(store)
    db = store.database.connection()
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == 0
    assert not any(store.photos_dir.iterdir()) and not any(store.thumbs_dir.iterdir())
    assert not db.in_transaction


@pytest.mark.parametrize("dies_after_commit", [False, True])
def test_a_process_that_dies_between_storing_the_file_and_indexing_it_leaves_nothing_behind(
        store, monkeypatch, dies_after_commit):
    """kill -9 right after the file is linked into photos/ (or right after the row is committed)."""
    add(store)
    image = captured(store)
    pid = os.fork()
    if pid == 0:  # a process that dies with no chance to clean up
        if dies_after_commit:  # dies as it removes its marker, the last step
            unlink = store_module.Path.unlink
            monkeypatch.setattr(store_module.Path, "unlink", lambda path, **kwargs: os._exit(9)
                                if path.name.startswith("storing-") else unlink(path, **kwargs))
        else:
            monkeypatch.setattr(store_module.history, "record", lambda *args, **keywords: os._exit(9))
        store.database.close()
        store.add(image, reading=Reading(21.5, 0), source="button", started_at=0)
        os._exit(0)
    os.waitpid(pid, 0)
    assert any(name.startswith("storing-") for name in os.listdir(store.temp_dir))
    store.clear_temp()  # what start-up does under the camera lock
    assert store.audit() == ([], [])
    assert list(store.temp_dir.iterdir()) == []
    assert store.totals()[0] == (2 if dies_after_commit else 1)
    assert len(list(store.thumbs_dir.iterdir())) == store.totals()[0]


# The first 16 hex digits of each shipped migration's SHA-256. A new migration adds its own line here.
SHIPPED_MIGRATIONS = ("10f28250a84c3f1b", "74d82b472b268a72", "84260ebb2363c73d", "2c5b8c0f2f55b276",
                      "2d1893f8cb1d220d", "43834342a4ce06d9", "8f815959231ae912", "5a67d5ce27dd149d",
                      "1365ecb26ef37e4a", "6a3952d52e214465")


def test_a_shipped_migration_never_changes():
    """A Pi that already ran a migration never runs it again, so changing one would leave its index unlike a new one."""
    assert tuple(hashlib.sha256(script.encode()).hexdigest()[:16] for script in MIGRATIONS) == SHIPPED_MIGRATIONS
