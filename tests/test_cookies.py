"""The visitor cookie's signature: nothing but our own signed ids gets through."""

import base64
import hashlib
import hmac
import re

import webtest
from hypothesis import given, strategies as st
from itsdangerous import Signer, TimestampSigner

from hambot.core.secret_key import load_secret_key
from hambot.web.cookies import COOKIE_NAME, PhotoCookie
from hambot.web.sessions import SessionCookie
from hambot.core.store import new_id

SECRET = b"k" * 48
COOKIE = PhotoCookie(SECRET)


def old_photo_cookie(secret, photo_id):
    """A cookie as hambot signed it before itsdangerous: `<id>.<HMAC-SHA256>` under a key of its own."""
    key = hmac.new(secret, b"hambot visitor cookie v1", hashlib.sha256).digest()
    mac = base64.urlsafe_b64encode(hmac.new(key, photo_id.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"{photo_id}.{mac.decode()}"


def test_a_signed_id_verifies():
    photo_id = new_id()
    assert COOKIE.verify(COOKIE.sign(photo_id)) == photo_id


def test_another_key_does_not_verify():
    assert PhotoCookie(b"x" * 48).verify(COOKIE.sign(new_id())) is None


@given(st.data())
def test_no_change_of_a_signed_cookie_verifies(data):
    value = COOKIE.sign("abcdefghijkl")
    position = data.draw(st.integers(0, len(value) - 1))
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "swap"]))
    letter = data.draw(st.characters(codec="utf-8"))
    if kind == "replace":
        changed = value[:position] + letter + value[position + 1:]
    elif kind == "insert":
        changed = value[:position] + letter + value[position:]
    elif kind == "delete":
        changed = value[:position] + value[position + 1:]
    else:
        changed = value[:position] + value[position + 1:position + 2] + value[position] + value[position + 2:]
    if changed != value:
        assert COOKIE.verify(changed) is None


@given(st.text(max_size=200))
def test_arbitrary_text_never_verifies_or_raises(text):
    assert COOKIE.verify(text) is None


def test_the_cookie_is_an_itsdangerous_signature_with_a_salt_of_its_own():
    photo_id = new_id()
    value = COOKIE.sign(photo_id)
    signer = Signer(SECRET, salt="hambot.photo-cookie", digest_method=hashlib.sha256)
    assert signer.unsign(value).decode() == photo_id
    assert COOKIE.verify(signer.sign(photo_id).decode()) == photo_id


def test_a_value_signed_with_another_salt_is_no_photo_cookie():
    photo_id = new_id()
    assert COOKIE.verify(Signer(SECRET, salt="hambot.photo-cookie", digest_method=hashlib.sha256)
                         .sign(photo_id).decode()) == photo_id
    for salt in ("hambot.session", "itsdangerous.Signer", "hambot.api-token"):
        assert COOKIE.verify(Signer(SECRET, salt=salt, digest_method=hashlib.sha256).sign(photo_id).decode()) is None
    session = TimestampSigner(SECRET, salt="hambot.session", digest_method=hashlib.sha256).sign(photo_id).decode()
    assert COOKIE.verify(session) is None
    assert COOKIE.verify(SessionCookie(SECRET, 3600).sign(photo_id)) is None


def test_an_old_format_cookie_still_verifies_and_another_key_or_id_does_not():
    photo_id = new_id()
    old = old_photo_cookie(SECRET, photo_id)
    assert COOKIE.verify(old) == photo_id
    assert COOKIE.verify(old_photo_cookie(b"x" * 48, photo_id)) is None
    assert COOKIE.verify(new_id() + old[12:]) is None


def test_an_old_format_cookie_is_replaced_on_the_next_page_keeping_the_photo(web):
    photo_id = web.post("/snapshot", status=303).headers["Location"].rsplit("/", 1)[1]
    secret = load_secret_key(web.app.settings)
    visitor = webtest.TestApp(web.app)
    visitor.set_cookie(COOKIE_NAME, old_photo_cookie(secret, photo_id))
    page = visitor.get("/")
    assert page.html.find("figcaption").text.startswith("Your last photo")
    assert photo_id in page.html.find(id="image-data")["src"]
    cookie = page.headers["Set-Cookie"]
    value = re.match(rf"{COOKIE_NAME}=([^;]+)", cookie)[1]
    assert value != old_photo_cookie(secret, photo_id)
    assert Signer(secret, salt="hambot.photo-cookie", digest_method=hashlib.sha256).unsign(value).decode() == photo_id
    assert "Max-Age=31536000" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    again = visitor.get("/")  # now in the new format: nothing more to replace, the same photo
    assert "Set-Cookie" not in again.headers
    assert again.html.find("figcaption").text.startswith("Your last photo")
    assert photo_id in again.html.find(id="image-data")["src"]
