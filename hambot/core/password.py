"""The optional viewer password: its scrypt hash in the index, where every worker sees a change at once."""

import base64
import hashlib
import hmac
import secrets
import threading

PASSWORD_ROW = "viewer_password"
MIN_LENGTH = 8
MAX_LENGTH = 1024
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MiB of memory per attempt


class PasswordError(Exception):
    """The password cannot be used; the message says why."""


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password, salt=None):
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def check_password(password, stored):
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = _unb64(digest)
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected), maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


class ViewerPassword:
    """Kept in the index's `site` table, so every worker sees a change at once."""

    _hashing = threading.Lock()  # one scrypt at a time per process bounds the memory it takes

    def __init__(self, database):
        self.database = database

    def stored(self):
        row = self.database.connection().execute("SELECT value FROM site WHERE name = ?",
                                                 (PASSWORD_ROW,)).fetchone()
        return row[0] if row else None

    def is_set(self):
        return self.stored() is not None

    def set(self, password):
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            raise PasswordError(f"A password must be {MIN_LENGTH} to {MAX_LENGTH} characters long.")
        hashed = hash_password(password)
        with self.database.transaction() as db:
            db.execute("INSERT INTO site (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = ?",
                       (PASSWORD_ROW, hashed, hashed))

    def remove(self):
        with self.database.transaction() as db:
            return db.execute("DELETE FROM site WHERE name = ?", (PASSWORD_ROW,)).rowcount > 0

    def check(self, password):
        stored = self.stored()
        if stored is None or not isinstance(password, str) or len(password) > MAX_LENGTH:
            return False
        with self._hashing:
            return check_password(password, stored)

    def generation(self):
        """A short text that changes with the password, so a new password signs everyone out."""
        stored = self.stored()
        return hashlib.sha256(stored.encode()).hexdigest()[:16] if stored else None
