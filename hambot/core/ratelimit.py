"""Slows down guessing: too many failed attempts from one address in a window earn a wait."""

import ipaddress
import math
import time


def client_key(address):
    """The address itself, or its /64 network for IPv6, where one client can hold a whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class FailureLimit:
    """Counts failures per address in the index database, so every worker shares one count."""

    def __init__(self, database, scope, limit=10, window=300):
        self.database = database
        self.scope = scope  # tokens and sign-ins are counted apart
        self.limit = limit
        self.window = window

    def _key(self, address):
        return f"{self.scope} {client_key(address)}"

    def retry_after(self, address, now=None):
        """Whole seconds this address must wait before trying again, or 0."""
        now = time.time() if now is None else now
        row = self.database.connection().execute(
            "SELECT window_start, failures FROM auth_failures WHERE address = ?", (self._key(address),)).fetchone()
        if row is None or row[1] < self.limit or now - row[0] >= self.window:
            return 0
        return max(1, math.ceil(self.window - (now - row[0])))

    def failed(self, address, now=None):
        now = time.time() if now is None else now
        with self.database.transaction() as db:
            db.execute("DELETE FROM auth_failures WHERE window_start < ?", (now - self.window,))
            db.execute("INSERT INTO auth_failures (address, window_start, failures) VALUES (?, ?, 1)"
                       " ON CONFLICT (address) DO UPDATE SET failures = failures + 1",
                       (self._key(address), now))
