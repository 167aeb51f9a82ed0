"""The visitor cookie's signature: nothing but our own signed ids gets through."""

from hypothesis import given, strategies as st

from hambot.web.cookies import PhotoCookie
from hambot.core.store import new_id

COOKIE = PhotoCookie(b"k" * 48)


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
