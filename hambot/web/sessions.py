"""The signed cookie of a visitor who signed in with the viewer password."""

import base64
import hashlib
import hmac
import time

from itsdangerous import BadSignature, TimestampSigner

SESSION_COOKIE = "hambot_session"
SALT = "hambot.session"  # a salt of its own: no photo cookie or other signature made with the key is a session


class _Signer(TimestampSigner):
    """itsdangerous's timed signer, on a clock the caller may set (`now`)."""

    def __init__(self, secret, now):
        super().__init__(secret, salt=SALT, digest_method=hashlib.sha256)
        self._now = now

    def get_timestamp(self):
        return int(time.time() if self._now is None else self._now)


class SessionCookie:
    """`<password generation>.<signed at>.<signature>`, an itsdangerous TimestampSigner value with HMAC-SHA256.

    Valid for `lifetime` seconds from signing (max_age), and only while the password is of the same
    generation, so a new password signs everyone out. Nothing secret inside, nothing to unpickle.
    """

    def __init__(self, secret, lifetime):
        self._secret = secret
        self.lifetime = lifetime

    def sign(self, generation, now=None):
        return _Signer(self._secret, now).sign(generation).decode()

    def verify(self, value, generation, now=None):
        if generation is None:
            return False
        if self._current(value, now) == generation:
            return True
        return _legacy_expiry(self._secret, value, generation, now) is not None

    def renewed(self, value, generation, now=None):
        """For a valid session cookie still in the format before itsdangerous, `(value, max_age)` in the
        current format, ending no later than the old one did; None for any other cookie."""
        if generation is None or self._current(value, now) is not None:
            return None
        expires = _legacy_expiry(self._secret, value, generation, now)
        if expires is None:
            return None
        now = time.time() if now is None else now
        signed_at = int(min(expires - self.lifetime, now))  # never later than now: a future one is refused
        return self.sign(generation, now=signed_at), max(int(signed_at + self.lifetime - now), 0)

    def _current(self, value, now):
        """The password generation in a cookie of the current format that has not expired, or None."""
        if not isinstance(value, str) or not value.isascii():
            return None
        try:
            return _Signer(self._secret, now).unsign(value, max_age=self.lifetime).decode()
        except BadSignature:  # also SignatureExpired, and a signature dated in the future
            return None


def _legacy_expiry(secret, value, generation, now):
    """When a session cookie signed before hambot used itsdangerous (`<expires>.<generation>.<HMAC-SHA256>`)
    expires, if it is valid now for this password generation; None for anything else.

    LEGACY: remove this, and `renewed` above with its caller in app.py, once SESSION_DAYS have passed since
    the release that moved to itsdangerous: by then every session cookie of the old format has expired.
    """
    if not isinstance(value, str) or not value.isascii() or value.count(".") != 2 or generation is None:
        return None
    expires, given_generation, mac = value.split(".")
    text = f"{expires}.{given_generation}"
    key = hmac.new(secret, b"hambot session cookie v1", hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).rstrip(b"=")
    if not hmac.compare_digest(mac.encode(), expected):
        return None
    now = time.time() if now is None else now
    if given_generation != generation or not expires.isdigit() or int(expires) <= now:
        return None
    return int(expires)
