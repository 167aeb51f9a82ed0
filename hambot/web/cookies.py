"""The visitor cookie: only a photo id, signed with itsdangerous (never a pickle)."""

import base64
import hashlib
import hmac

from itsdangerous import BadSignature, Signer

from ..core.store import is_valid_id

COOKIE_NAME = "hambot_photo"
MAX_AGE = 365 * 24 * 3600
SALT = "hambot.photo-cookie"  # a salt of its own, so a signature made here is valid nowhere else


class PhotoCookie:
    """`<photo id>.<signature>`, an itsdangerous Signer value with HMAC-SHA256."""

    def __init__(self, secret):
        self._signer = Signer(secret, salt=SALT, digest_method=hashlib.sha256)
        self._secret = secret

    def sign(self, photo_id):
        return self._signer.sign(photo_id).decode()

    def verify(self, value):
        """The photo id in a cookie we signed, or None for anything else."""
        photo_id = self._current(value)
        return photo_id if photo_id is not None else _legacy_photo_id(self._secret, value)

    def renewed(self, value):
        """For a cookie still in the format before itsdangerous, the same photo id signed anew; else None."""
        if self._current(value) is not None:
            return None
        photo_id = _legacy_photo_id(self._secret, value)
        return None if photo_id is None else self.sign(photo_id)

    def _current(self, value):
        if not isinstance(value, str) or not value.isascii():
            return None
        try:
            photo_id = self._signer.unsign(value).decode()
        except BadSignature:
            return None
        return photo_id if is_valid_id(photo_id) else None


def _legacy_photo_id(secret, value):
    """The photo id in a cookie signed before hambot used itsdangerous (`<id>.<HMAC-SHA256>`), or None.

    LEGACY: remove this, and `renewed` above with its caller in app.py, one year (MAX_AGE) after the
    release that moved to itsdangerous: browsers drop a photo cookie a year after it was set, and any
    visitor who came back since then was given a cookie in the current format.
    """
    if not isinstance(value, str) or not value.isascii() or value.count(".") != 1:
        return None
    key = hmac.new(secret, b"hambot visitor cookie v1", hashlib.sha256).digest()
    photo_id, mac = value.split(".")
    expected = base64.urlsafe_b64encode(hmac.new(key, photo_id.encode(), hashlib.sha256).digest()).rstrip(b"=")
    if not is_valid_id(photo_id) or not hmac.compare_digest(mac.encode(), expected):
        return None
    return photo_id
