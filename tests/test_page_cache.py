"""Pages of photos are made once and reused; a change in any process is seen by every worker at once."""

import json

from conftest import add_photo
from hambot.core.store import open_store
from hambot.web.pagecache import PageCache

ROUNDS = 24  # fresh connections, so that both workers answer and both keep pages


def test_a_kept_page_is_reused_until_the_generation_moves():
    generation, made = [1], []
    cache = PageCache(lambda: generation[0])
    make = lambda: made.append(1) or f"page {len(made)}"  # noqa: E731
    assert cache.get("a", make) == "page 1"
    assert cache.get("a", make) == "page 1"
    generation[0] = 2
    assert cache.get("a", make) == "page 2"
    assert len(made) == 2


def test_the_cache_keeps_at_most_its_size():
    cache = PageCache(lambda: 1, size=3)
    for key in range(10):
        cache.get(key, lambda: "x" * 1000)
    assert list(cache._pages) == [7, 8, 9]


def test_a_failed_make_keeps_nothing():
    cache = PageCache(lambda: 1)
    try:
        cache.get("a", lambda: 1 / 0)
    except ZeroDivisionError:
        pass
    assert cache.get("a", lambda: "made") == "made"


def listed(server):
    """The ids the gallery and the API list show, from every answer of ROUNDS each."""
    galleries, lists = set(), set()
    for _ in range(ROUNDS):
        status, _, body = server.request("GET", "/photos")
        assert status == 200
        galleries.add(frozenset(part.split('"')[0] for part in body.decode().split('href="/photos/')[1:]
                                if "?" not in part.split('"')[0]))
        status, _, body = server.request("GET", "/api/v1/photos")
        assert status == 200
        lists.add(json.dumps(json.loads(body)["photos"], sort_keys=True))
    assert len(galleries) == 1 and len(lists) == 1, "the workers disagree"
    return set(next(iter(galleries))), json.loads(next(iter(lists)))


def test_both_workers_see_a_photo_added_deleted_or_kept_elsewhere_at_once(start_server, tmp_path):
    server = start_server(workers=2, threads=2, dead_time=0)
    store = open_store(tmp_path / "data")  # another process, as `hambot capture` or retention would be
    first = add_photo(store)
    shown, records = listed(server)
    assert shown == {first.id} and [r["id"] for r in records] == [first.id]

    second = add_photo(store)
    shown, records = listed(server)
    assert shown == {first.id, second.id} and [r["id"] for r in records] == [second.id, first.id]

    store.set_kept(first.id, True)
    _, records = listed(server)
    assert [r["kept"] for r in records] == [False, True]

    store.delete(second.id)
    shown, records = listed(server)
    assert shown == {first.id} and [r["id"] for r in records] == [first.id]

    status, headers, _ = server.request("POST", "/snapshot")  # a photo taken by one of the workers
    assert status == 303
    taken = headers["Location"].split("/")[-1].split("?")[0]
    shown, records = listed(server)
    assert shown == {first.id, taken} and [r["id"] for r in records] == [taken, first.id]
    store.close()


def photo_pages(server, photo_id, query=""):
    """A photo's page as every answer of ROUNDS shows it; the workers must agree."""
    pages = set()
    for _ in range(ROUNDS):
        status, _, body = server.request("GET", f"/photos/{photo_id}{query}")
        assert status == 200
        pages.add(body.decode())
    assert len(pages) == 1, "the workers disagree"
    return pages.pop()


def test_a_photos_page_follows_its_neighbours_and_its_kept_mark_from_any_process(start_server, tmp_path):
    server = start_server(workers=2, threads=2, dead_time=0)
    store = open_store(tmp_path / "data")
    first = add_photo(store)
    page = photo_pages(server, first.id)
    assert "Kept:" not in page and "Newer</a>" not in page

    second = add_photo(store)
    assert f'href="/photos/{second.id}"' in photo_pages(server, first.id)
    store.set_kept(first.id, True)
    assert "Kept:" in photo_pages(server, first.id)
    store.delete(second.id)
    assert f'href="/photos/{second.id}"' not in photo_pages(server, first.id)
    assert 'value="5" selected>' in photo_pages(server, first.id, "?refresh=5")
    assert 'value="0" selected>' in photo_pages(server, first.id)
    for _ in range(ROUNDS):  # how long ago it was taken is told anew each time
        status, _, body = server.request("GET", f"/photos/{first.id}?shared=1")
        assert status == 200 and b"Someone took this" in body
    store.close()
