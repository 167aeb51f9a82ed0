"""API tokens: enciphered with Enigma as an operator would, authenticated with HMAC-SHA256 underneath.

A token is capital letters only:  DD  III  KKK  CIPHERTEXT
  DD          the day of the month whose key-sheet setting enciphered it, in clear (AA = 1st ... BE = 31st)
  III         the indicator: a random start position, in clear
  KKK         the random message key, enciphered at the indicator position
  CIPHERTEXT  the content, enciphered at the message key: version, expiry, a random id, the name,
              and an HMAC-SHA256 tag under SECRET_KEY over all of it, each byte as two letters A-P.
The Enigma layer is tradition; the tag, checked in constant time, is what makes a token unforgeable.
"""

import hashlib
import hmac
import re
import secrets
import string
import struct
import time
from dataclasses import dataclass

from .keysheet import KeySheetError

VERSION = 1
NIBBLES = "ABCDEFGHIJKLMNOP"
HEADER = 8  # day (2) + indicator (3) + enciphered message key (3)
ID_BYTES = 12
TAG_BYTES = 32
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
FIXED = struct.Struct(">BI12sB")  # version, expiry (Unix seconds), random id, name length
MIN_LETTERS = HEADER + 2 * (FIXED.size + 1 + TAG_BYTES)
MAX_LETTERS = HEADER + 2 * (FIXED.size + 32 + TAG_BYTES)
LAST_USE_PRECISION = 60  # seconds; "last used" is written at most once a minute per token
SCOPES = ("read", "press", "upload", "admin")  # read: the API's reads behind a password; press: the camera;
#   upload: photos and readings into this hambot (and a camera's remote button); admin: delete and keep photos
EARLIER_SCOPES = ("read", "press", "admin")  # a token issued before scopes could do every call there was then
_random = secrets.SystemRandom()


class TokenError(Exception):
    """A token was refused; the message is the sentence the client gets."""


@dataclass(frozen=True)
class Grant:
    """What a checked token may do: its scopes, and the one camera it may act as (None: any)."""
    name: str
    scopes: tuple
    camera: str | None = None

    def allows(self, scope):
        return scope in self.scopes


def scopes_of(text):
    """The scopes a token's row holds; a row written before scopes existed (NULL) has EARLIER_SCOPES."""
    return EARLIER_SCOPES if text is None else tuple(text.split())


def check_scopes(scopes):
    """The scopes in SCOPES order, without repeats; TokenError naming an unknown one."""
    for scope in scopes:
        if scope not in SCOPES:
            raise TokenError(f"{scope[:20]} is not a scope; a token's scopes are {', '.join(SCOPES)}.")
    return tuple(scope for scope in SCOPES if scope in scopes)


@dataclass(frozen=True)
class TokenRecord:
    name: str
    issued_at: float
    expires_at: float
    last_used_at: float | None
    revoked_at: float | None
    scopes: tuple = EARLIER_SCOPES
    camera: str | None = None

    def state(self, now):
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"


def _letters(count):
    return "".join(_random.choice(string.ascii_uppercase) for _ in range(count))


def _day_letters(day):
    return string.ascii_uppercase[(day - 1) // 26] + string.ascii_uppercase[(day - 1) % 26]


def _day_of(letters):
    day = (ord(letters[0]) - 65) * 26 + (ord(letters[1]) - 65) + 1
    return day if 1 <= day <= 31 else None


def _to_letters(data):
    return "".join(NIBBLES[b >> 4] + NIBBLES[b & 15] for b in data)


def _from_letters(text):
    if len(text) % 2 or any(c not in NIBBLES for c in text):
        return None
    return bytes((NIBBLES.index(text[i]) << 4) | NIBBLES.index(text[i + 1]) for i in range(0, len(text), 2))


class Tokens:
    """Issues and checks tokens; their records (never the tokens) live in the index database."""

    def __init__(self, database, key_sheet, secret):
        self.database = database
        self.key_sheet = key_sheet
        self._key = hmac.new(secret, b"hambot api token v1", hashlib.sha256).digest()

    def issue(self, name, lifetime, now=None, scopes=EARLIER_SCOPES, camera=None):
        """A new token; `camera` ties its uploads and its remote button to that one camera name."""
        now = time.time() if now is None else now
        if not NAME_PATTERN.fullmatch(name or ""):
            raise TokenError("A token name is 1 to 32 letters, digits, dots, dashes or underscores, "
                             "starting with a letter or digit.")
        scopes = check_scopes(scopes)
        if not scopes:
            raise TokenError("A token needs at least one scope.")
        if camera is not None and not NAME_PATTERN.fullmatch(camera):
            raise TokenError("A camera name is 1 to 32 letters, digits, dots, dashes or underscores, "
                             "starting with a letter or digit.")
        expires_at = int(now + lifetime)
        if not 0 < lifetime or expires_at >= 2**32:
            raise TokenError("That expiry is out of range.")
        active = self.database.connection().execute(
            "SELECT 1 FROM tokens WHERE name = ? AND revoked_at IS NULL AND expires_at > ?", (name, now)).fetchone()
        if active:
            raise TokenError(f"A token named {name} is already active; revoke it first or pick another name.")
        token_id = secrets.token_bytes(ID_BYTES)
        encoded = name.encode()
        content = FIXED.pack(VERSION, expires_at, token_id, len(encoded)) + encoded
        day = time.gmtime(now).tm_mday
        header = _day_letters(day) + _letters(3)
        machine = self.key_sheet.machine(day)
        machine.set_display(header[2:5])
        message_key = _letters(3)
        header += machine.process_text(message_key)
        machine.set_display(message_key)
        body = machine.process_text(_to_letters(content + self._tag(header, content)))
        with self.database.transaction() as db:
            db.execute("INSERT INTO tokens (id, name, issued_at, expires_at, scopes, camera) VALUES (?,?,?,?,?,?)",
                       (token_id.hex(), name, now, expires_at, " ".join(scopes), camera))
        return header + body

    def verify(self, token, now=None):
        """The name a token was issued to; TokenError with the reason for anything else."""
        return self.grant(token, now).name

    def grant(self, token, now=None):
        """What a valid token may do (a Grant); TokenError with the reason for anything else."""
        now = time.time() if now is None else now
        content = self._decipher(token)
        version, expires_at, token_id, name_length = FIXED.unpack_from(content)
        name = content[FIXED.size:].decode("utf-8", "replace")
        if version != VERSION or len(name.encode()) != name_length:
            raise TokenError("That token is not one this server issues.")
        if now >= expires_at:
            raise TokenError("That token has expired; ask for a new one.")
        db = self.database.connection()
        row = db.execute("SELECT last_used_at, revoked_at, scopes, camera FROM tokens WHERE id = ?",
                         (token_id.hex(),)).fetchone()
        if row is None:
            raise TokenError("That token is not known to this server.")
        if row[1] is not None:
            raise TokenError("That token has been revoked.")
        if row[0] is None or now - row[0] >= LAST_USE_PRECISION:
            db.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (now, token_id.hex()))
        return Grant(name, scopes_of(row[2]), row[3])

    def _decipher(self, token):
        if not isinstance(token, str) or not MIN_LETTERS <= len(token) <= MAX_LETTERS \
                or not token.isascii() or not token.isalpha() or not token.isupper():
            raise TokenError("That is not a hambot token: it must be one string of capital letters A to Z.")
        header, body = token[:HEADER], token[HEADER:]
        day = _day_of(header)
        if day is None:
            raise TokenError("That token names no day of the month.")
        try:
            machine = self.key_sheet.machine(day)
        except KeySheetError:
            raise TokenError("No tokens can be checked: this server has no usable key sheet.") from None
        machine.set_display(header[2:5])
        machine.set_display(machine.process_text(header[5:8]))
        data = _from_letters(machine.process_text(body))
        if data is None or len(data) < FIXED.size + TAG_BYTES:
            raise TokenError("That token does not decipher under this server's key sheet.")
        content, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
        if not hmac.compare_digest(tag, self._tag(header, content)):
            raise TokenError("That token's signature is wrong.")
        return content

    def _tag(self, header, content):
        # Our own HMAC here, not itsdangerous like the cookies: the Enigma format carries the tag as raw bytes,
        # each written as two letters A-P inside the enciphered text, and a token is capital letters only.
        # itsdangerous signs text as `value.signature` in base64 (lower case, digits, "-", "_", "."), which
        # cannot pass through the machine or live in a token.
        return hmac.new(self._key, header.encode() + content, hashlib.sha256).digest()

    def records(self):
        rows = self.database.connection().execute(
            "SELECT name, issued_at, expires_at, last_used_at, revoked_at, scopes, camera FROM tokens"
            " ORDER BY issued_at").fetchall()
        return [TokenRecord(*row[:5], scopes_of(row[5]), row[6]) for row in rows]

    def revoke(self, name, now=None):
        """Revoke every token with this name; how many were still active."""
        now = time.time() if now is None else now
        with self.database.transaction() as db:
            return db.execute("UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"
                              " AND expires_at > ?", (now, name, now)).rowcount


def parse_lifetime(text):
    """'30d', '12h' or '90m' in seconds; None when it is none of those."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dhm])\s*", text or "")
    if not match:
        return None
    return int(match[1]) * {"d": 86400, "h": 3600, "m": 60}[match[2]]
