"""The signed cookie of a visitor who signed in with the viewer password."""

import base64
import hashlib
import hmac
import time

SESSION_COOKIE = "hambot_session"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SessionCookie:
    """`<expires>.<password generation>.<HMAC>`: nothing secret inside, nothing to unpickle."""

    def __init__(self, secret, lifetime):
        self._key = hmac.new(secret, b"hambot session cookie v1", hashlib.sha256).digest()
        self.lifetime = lifetime

    def _mac(self, text):
        return _b64(hmac.new(self._key, text.encode(), hashlib.sha256).digest())

    def sign(self, generation, now=None):
        expires = int((time.time() if now is None else now) + self.lifetime)
        text = f"{expires}.{generation}"
        return f"{text}.{self._mac(text)}"

    def verify(self, value, generation, now=None):
        if not isinstance(value, str) or value.count(".") != 2 or generation is None:
            return False
        expires, given_generation, mac = value.split(".")
        text = f"{expires}.{given_generation}"
        if not hmac.compare_digest(mac.encode(), self._mac(text).encode()):
            return False
        now = time.time() if now is None else now
        return given_generation == generation and expires.isdigit() and int(expires) > now
