"""The visitor cookie: only a photo id, signed with HMAC-SHA256 (never a pickle)."""

import base64
import hashlib
import hmac

from ..core.store import is_valid_id

COOKIE_NAME = "hambot_photo"
MAX_AGE = 365 * 24 * 3600


class PhotoCookie:
    def __init__(self, secret):
        # A key of its own, so a signature made here is valid nowhere else.
        self._key = hmac.new(secret, b"hambot visitor cookie v1", hashlib.sha256).digest()

    def _mac(self, photo_id):
        digest = hmac.new(self._key, photo_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, photo_id):
        return f"{photo_id}.{self._mac(photo_id)}"

    def verify(self, value):
        """The photo id in a cookie we signed, or None for anything else."""
        if not isinstance(value, str) or value.count(".") != 1:
            return None
        photo_id, mac = value.split(".")
        if not is_valid_id(photo_id) or not hmac.compare_digest(mac.encode(), self._mac(photo_id).encode()):
            return None
        return photo_id
