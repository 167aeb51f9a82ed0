"""Plain image GETs answered ahead of Bottle give exactly the answer the Bottle routes give."""

import webtest

from conftest import CAMERAS, add_photo, issue_token
from test_signin import PASSWORD, sign_in



def headers(answer):
    return [(name.lower(), value) for name, value in answer.headerlist]


def image_addresses(app):
    photo = add_photo(app.store)
    app.store.thumbnail(photo)
    png = add_photo(app.store, sample="sample.png")
    return photo, [f"/photos/{photo.filename}", f"/photos/{photo.id}/thumb.jpg", f"/photos/{png.filename}"]


def test_the_direct_answer_matches_the_routed_one(make_app):
    app = make_app()
    web = webtest.TestApp(app)
    photo, addresses = image_addresses(app)
    for address in addresses:
        direct, routed = web.get(address), web.head(address)  # HEAD always goes through the routes
        assert headers(direct) == headers(routed)
        assert direct.headers["Cache-Control"].startswith("public")
    assert web.get(addresses[0]).body == (CAMERAS / "sample.jpg").read_bytes()


def test_behind_a_password_only_a_signed_in_visitor_gets_the_direct_answer(make_app):
    app = make_app()
    app.password.set(PASSWORD)
    web = webtest.TestApp(app)
    photo, addresses = image_addresses(app)
    for address in addresses:
        assert web.get(address, status=303).headers["Location"].startswith("/login")
    web.set_cookie("hambot_session", "1999999999.forged.AAAA")
    assert web.get(addresses[0], status=303).headers["Location"].startswith("/login")
    sign_in(web)
    for address in addresses:
        direct, routed = web.get(address), web.head(address)  # HEAD always goes through the routes
        assert headers(direct) == headers(routed)
        assert direct.headers["Cache-Control"].startswith("private")
    token = issue_token(app)
    stranger = webtest.TestApp(app)
    assert stranger.get(addresses[0], headers={"Authorization": f"Enigma {token}"}).body == web.get(addresses[0]).body


def test_anything_but_a_plain_get_of_a_stored_image_is_left_to_the_routes(make_app):
    app = make_app()
    web = webtest.TestApp(app)
    photo, addresses = image_addresses(app)
    etag = web.get(addresses[0]).headers["ETag"]
    assert web.get(addresses[0], headers={"If-None-Match": etag}, status=304).body == b""
    assert web.get(f"/photos/{photo.id}.png", status=404)
    assert web.get("/photos/AAAAAAAAAAAA.jpg", status=404)
    assert web.get(f"/photos/{photo.filename}?x=1").body == web.get(addresses[0]).body
    app.store.thumbnail_path_of(photo).unlink()
    assert web.get(addresses[1]).headers["Content-Type"] == "image/jpeg"  # made again, by the route
    app.store.path_of(photo).unlink()
    assert web.get(addresses[0], status=404)
