"""The optional viewer password: sign-in page, signed session cookie, rate limit, and TRUST_PROXY."""

import base64
import hashlib
import hmac
import logging
import re
import time

import pytest
import webtest
from itsdangerous import Signer, TimestampSigner

from conftest import add_photo, issue_token, spoil_signature
from hambot.core.secret_key import load_secret_key
from hambot.service.server import warn_if_open
from hambot.web.cookies import PhotoCookie
from hambot.web.sessions import SESSION_COOKIE, SessionCookie

PASSWORD = "hamster wheel 42"


@pytest.fixture
def guarded(make_app):
    """An app with a viewer password, a photo, and a WebTest client per call."""
    def make(**overrides):
        app = make_app(**overrides)
        app.password.set(PASSWORD)
        photo = add_photo(app.store)
        return app, photo, webtest.TestApp(app)
    return make


def sign_in(web, password=PASSWORD, target="/", status=303, **environ):
    form = web.get("/login", extra_environ=environ).forms[0]
    form["password"] = password
    form["next"] = target
    return form.submit(status=status, extra_environ=environ)


def test_without_a_password_everyone_may_look_and_login_goes_home(web):
    assert web.get("/").status_int == 200
    assert web.get("/login", status=303).headers["Location"].endswith("/")


def test_set_password_from_standard_input_stores_only_a_hash(hambot, make_app):
    done = hambot("set-password", input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    app = make_app()
    stored = app.password.stored()
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert app.password.check(PASSWORD) and not app.password.check(PASSWORD + "!")
    short = hambot("set-password", input="short\n")
    assert short.returncode == 1 and short.stderr.strip() == "hambot: A password must be 8 to 1024 characters long."
    assert hambot("set-password", "--remove").returncode == 0 and not app.password.is_set()


def test_with_a_password_pages_images_and_api_reads_need_signing_in(guarded):
    app, photo, web = guarded()
    assert web.get(f"/photos/{photo.id}?x=1", status=303).headers["Location"] == \
        f"/login?next=%2Fphotos%2F{photo.id}%3Fx%3D1"
    web.get(f"/photos/{photo.filename}", status=303)
    web.get(f"/photos/{photo.id}/thumb.jpg", status=303)
    web.get("/photos", status=303)
    assert web.post("/snapshot", status=303).headers["Location"] == "/login?next=%2F"
    error = web.get("/api/v1/photos", status=401)
    assert error.json == {"error": "Sign in on the web page or send a token: Authorization: Enigma <token>.",
                          "status": 401}
    for open_path in ("/login", "/healthz", "/static/style.css", "/favicon.ico", "/manifest.webmanifest"):
        assert web.get(open_path).status_int == 200


def test_signing_in_sets_a_signed_httponly_lax_cookie_and_returns_where_the_visitor_was_going(guarded):
    app, photo, web = guarded()
    answer = sign_in(web, target=f"/photos/{photo.id}")
    assert answer.headers["Location"] == f"/photos/{photo.id}"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=2592000" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    assert web.get(f"/photos/{photo.id}").status_int == 200
    assert web.get("/api/v1/photos").json["photos"][0]["id"] == photo.id
    assert "Sign out" in web.get("/").text
    web.post("/api/v1/snapshots", status=401)  # write calls still need a token


def test_behind_a_password_photos_are_cached_by_the_browser_only(guarded, make_app, tmp_path):
    web = webtest.TestApp(make_app(data_dir=tmp_path / "open"))
    app, photo, signed_in = guarded()
    sign_in(signed_in)
    for address in (f"/photos/{photo.filename}", f"/photos/{photo.id}/thumb.jpg"):
        assert signed_in.get(address).headers["Cache-Control"] == "private, max-age=31536000, immutable"
    open_photo = web.post("/snapshot").follow().html.select_one("img#image-data")["src"]
    assert web.get(open_photo).headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_wrong_password_is_refused_with_a_sentence(guarded):
    _, _, web = guarded()
    page = sign_in(web, "not the password", status=401)
    assert "That password is not right." in page.text
    web.get("/", status=303)


def test_a_token_opens_pages_and_images_without_signing_in(guarded):
    app, photo, web = guarded()
    headers = {"Authorization": f"Enigma {issue_token(app)}"}
    assert web.get(f"/photos/{photo.filename}", headers=headers).content_type == "image/jpeg"
    assert web.get("/api/v1/photos", headers=headers).status_int == 200
    web.get("/", headers={"Authorization": "Enigma NOTAVALIDTOKEN"}, status=401)


def test_ten_wrong_passwords_from_one_address_get_429_even_for_the_right_one(guarded):
    _, _, web = guarded()
    for _ in range(10):
        sign_in(web, "wrong password", status=401, REMOTE_ADDR="192.0.2.7")
    blocked = sign_in(web, status=429, REMOTE_ADDR="192.0.2.7")
    assert int(blocked.headers["Retry-After"]) > 0 and "Too many wrong passwords" in blocked.text
    sign_in(web, REMOTE_ADDR="192.0.2.8")  # another address is not affected


def test_forwarded_for_is_ignored_unless_trust_proxy_is_on(guarded):
    _, _, web = guarded()
    for number in range(10):
        sign_in(web, "wrong password", status=401, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    sign_in(web, status=429, HTTP_X_FORWARDED_FOR="198.51.100.99")  # all counted against the real address

    _, _, proxied = guarded(trust_proxy=True)
    for _ in range(10):
        sign_in(proxied, "wrong password", status=401, HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.1")
    sign_in(proxied, status=429, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")  # the proxy's entry is last
    sign_in(proxied, HTTP_X_FORWARDED_FOR="198.51.100.2")


def test_behind_an_https_proxy_the_cookie_is_secure(guarded):
    _, _, web = guarded(trust_proxy=True)
    assert "Secure" in sign_in(web, HTTP_X_FORWARDED_PROTO="https").headers["Set-Cookie"]
    _, _, direct = guarded()
    assert "Secure" not in sign_in(direct, HTTP_X_FORWARDED_PROTO="https").headers["Set-Cookie"]


def test_a_new_password_signs_everyone_out(guarded):
    app, _, web = guarded()
    sign_in(web)
    web.get("/", status=200)
    app.password.set("a brand new password")
    web.get("/", status=303)


def test_signing_out_ends_the_session(guarded):
    _, _, web = guarded()
    sign_in(web)
    web.get("/").forms[0].submit(status=303)  # the first form on the page is Sign out
    web.get("/", status=303)


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "/a\r\nSet-Cookie: x=1", "photos"])
def test_after_signing_in_only_a_path_on_this_site_is_followed(guarded, target):
    _, _, web = guarded()
    assert sign_in(web, target=target).headers["Location"] == "/"


SECRET = b"k" * 32


def session_signer(secret=SECRET, salt="hambot.session"):
    return TimestampSigner(secret, salt=salt, digest_method=hashlib.sha256)


def old_session_cookie(secret, generation, expires):
    """A session cookie as hambot signed it before itsdangerous: `<expires>.<generation>.<HMAC-SHA256>`."""
    key = hmac.new(secret, b"hambot session cookie v1", hashlib.sha256).digest()
    text = f"{int(expires)}.{generation}"
    mac = base64.urlsafe_b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"{text}.{mac.decode()}"


def test_a_session_cookie_is_an_itsdangerous_timed_signature_of_the_password_generation():
    cookie = SessionCookie(SECRET, lifetime=3600)
    value = cookie.sign("gen1")
    assert session_signer().unsign(value, max_age=3600).decode() == "gen1"
    assert cookie.verify(value, "gen1")
    assert cookie.verify(session_signer().sign("gen1").decode(), "gen1")


def test_a_session_cookie_expires_and_cannot_be_forged():
    cookie = SessionCookie(SECRET, lifetime=3600)
    value = cookie.sign("gen1", now=1000)
    assert session_signer().unsign(value).decode() == "gen1"
    assert cookie.verify(value, "gen1", now=1000) and cookie.verify(value, "gen1", now=4600)
    assert not cookie.verify(value, "gen1", now=4601)  # expired
    assert not cookie.verify(value, "gen1", now=999)  # signed in the future
    assert not cookie.verify(value, "gen2", now=1000)  # another password since
    assert not cookie.verify(value, None, now=1000)  # no password at all now
    assert not SessionCookie(b"x" * 32, 3600).verify(value, "gen1", now=1000)
    generation, timestamp, signature = value.split(".")
    later = session_signer().sign("gen1").decode().split(".")[1]
    assert not cookie.verify(f"{generation}.{later}.{signature}", "gen1", now=1000)  # a timestamp moved on
    assert not cookie.verify(f"gen2.{timestamp}.{signature}", "gen2", now=1000)
    assert not cookie.verify(spoil_signature(value), "gen1", now=1000)
    for text in ("", "gen1", "..", "gen1.x.y", "é" * 50, None, 12):
        assert not cookie.verify(text, "gen1", now=1000)


def test_a_value_signed_with_another_salt_is_no_session():
    cookie = SessionCookie(SECRET, lifetime=3600)
    assert cookie.verify(session_signer().sign("gen1").decode(), "gen1")
    for salt in ("hambot.photo-cookie", "itsdangerous.Signer"):
        assert not cookie.verify(session_signer(salt=salt).sign("gen1").decode(), "gen1")
    photo = Signer(SECRET, salt="hambot.photo-cookie", digest_method=hashlib.sha256).sign("gen1").decode()
    assert not cookie.verify(photo, "gen1")
    assert not cookie.verify(PhotoCookie(SECRET).sign("gen1"), "gen1")


def test_an_old_format_session_cookie_still_verifies_until_it_expires():
    cookie = SessionCookie(SECRET, lifetime=3600)
    old = old_session_cookie(SECRET, "gen1", expires=4600)
    assert cookie.verify(old, "gen1", now=1000) and cookie.verify(old, "gen1", now=4599)
    assert not cookie.verify(old, "gen1", now=4600)
    assert not cookie.verify(old, "gen2", now=1000)
    assert not cookie.verify(old_session_cookie(b"x" * 32, "gen1", 4600), "gen1", now=1000)
    assert not cookie.verify(old_session_cookie(SECRET, "gen1", 9999999999)[:-1] + "A", "gen1", now=1000)


def test_only_a_valid_old_format_session_is_renewed_and_never_beyond_its_expiry():
    cookie = SessionCookie(SECRET, lifetime=3600)
    old = old_session_cookie(SECRET, "gen1", expires=4000)
    value, max_age = cookie.renewed(old, "gen1", now=1000)
    assert max_age == 3000 and cookie.verify(value, "gen1", now=4000) and not cookie.verify(value, "gen1", now=4001)
    assert cookie.renewed(value, "gen1", now=1000) is None  # already current
    assert cookie.renewed(old, "gen2", now=1000) is None and cookie.renewed(old, None, now=1000) is None
    assert cookie.renewed(old, "gen1", now=4000) is None  # expired
    assert cookie.renewed(old_session_cookie(b"x" * 32, "gen1", 4000), "gen1", now=1000) is None
    longer = old_session_cookie(SECRET, "gen1", expires=9000)  # signed when SESSION_DAYS was longer
    value, max_age = cookie.renewed(longer, "gen1", now=1000)
    assert max_age == 3600 and cookie.verify(value, "gen1", now=1000) and not cookie.verify(value, "gen1", now=4601)


def test_an_old_format_session_is_replaced_on_the_next_page_with_the_same_expiry(guarded):
    app, photo, web = guarded()
    secret, generation = load_secret_key(app.settings), app.password.generation()
    expires = int(time.time()) + 1000
    old = old_session_cookie(secret, generation, expires)
    web.set_cookie(SESSION_COOKIE, old)
    page = web.get(f"/photos/{photo.id}", status=200)
    cookie = page.headers["Set-Cookie"]
    value = re.match(rf"{SESSION_COOKIE}=([^;]+)", cookie)[1]
    assert value != old
    given, signed_at = session_signer(secret).unsign(value, return_timestamp=True)
    assert given.decode() == generation
    assert signed_at.timestamp() + app.session.lifetime == expires  # the session does not grow longer
    assert 990 <= int(re.search(r"Max-Age=(\d+)", cookie)[1]) <= 1000
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    again = web.get("/", status=200)
    assert "Set-Cookie" not in again.headers and "Sign out" in again.text
    app.password.set("a brand new password")  # an upgraded session still ends with the password
    web.get("/", status=303)


def test_an_old_format_session_for_an_old_password_is_not_renewed(guarded):
    app, _, web = guarded()
    secret, generation = load_secret_key(app.settings), app.password.generation()
    web.set_cookie(SESSION_COOKIE, old_session_cookie(secret, generation, time.time() + 1000))
    app.password.set("a brand new password")
    answer = web.get("/", status=303)
    assert SESSION_COOKIE not in answer.headers.get("Set-Cookie", "")


def test_serve_warns_when_it_listens_beyond_loopback_with_no_password(make_app, caplog):
    app = make_app(host="0.0.0.0")
    with caplog.at_level(logging.WARNING):
        warn_if_open(app.settings, app)
    assert "no viewer password" in caplog.text
    caplog.clear()
    app.password.set(PASSWORD)
    with caplog.at_level(logging.WARNING):
        warn_if_open(app.settings, app)
    assert caplog.text == ""
