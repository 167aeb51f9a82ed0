"""Headers every response carries, the Host names served, and the check that a form post came from our own pages."""

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
WRONG_HOST = b"hambot does not answer to that host name; its owner can add it to ALLOWED_HOSTS.\n"

HEADERS = (
    ("Content-Security-Policy",
     "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; script-src 'self'; "
     "connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; "
     "frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def with_security_headers(app):
    """Wrap a WSGI app so every response, error pages included, carries HEADERS."""
    def wrapped(environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(n, v) for n, v in HEADERS if n.lower() not in present]
            return start_response(status, headers, exc_info)
        return app(environ, start)
    return wrapped


def is_same_origin(environ):
    """True unless the browser tells us the request comes from another site."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return environ.get("HTTP_SEC_FETCH_SITE", "same-origin") in ("same-origin", "none")
    host = environ.get("HTTP_HOST", "")
    try:
        return bool(host) and urlsplit(origin).netloc.lower() == host.lower()
    except ValueError:
        return False


def behind_proxy(app):
    """With TRUST_PROXY: the client's address and scheme as the proxy in front reports them.

    The last X-Forwarded-For entry is the one the proxy itself appended; earlier ones are the client's to forge.
    """
    def wrapped(environ, start_response):
        forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded_for:
            environ["REMOTE_ADDR"] = forwarded_for
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
        if scheme in ("http", "https"):
            environ["wsgi.url_scheme"] = scheme
        return app(environ, start_response)
    return wrapped


def served_host_names(extra=()):
    """Loopback names, this machine's name with and without .local, and the names the owner added."""
    full = socket.gethostname().lower().rstrip(".")
    short = full.split(".")[0]
    return frozenset(name for name in (*LOOPBACK_NAMES, full, short, f"{full}.local", f"{short}.local", *extra)
                     if name and name != ".local")


def host_is_served(host, names):
    """Whether a Host header names this site: an IP literal, or one of `names` (".example.org": any below it)."""
    name, port = _split_host(host.strip().lower())
    if name is None or (port and not (port.isascii() and port.isdigit())):
        return False
    if _is_ip_literal(name):
        return True
    name = name.rstrip(".")
    return name in names or any(entry.startswith(".") and (name == entry[1:] or name.endswith(entry))
                                for entry in names)


def _split_host(host):
    """(name, port) of a Host header; IPv6 literals keep their brackets off."""
    if host.startswith("["):
        inside, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None, None
        return f"[{inside}]", rest[1:]
    name, _, port = host.partition(":")
    return (name or None), port


def _is_ip_literal(name):
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
    except ValueError:
        return False
    return name.startswith("[") or ":" not in name


def served_hosts_only(app, names):
    """A 400 sentence, before any route, for a Host the site is not known by (DNS rebinding); no Host is fine."""
    def wrapped(environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is None or host_is_served(host, names):
            return app(environ, start_response)
        log.warning("refused a request for host %.100r from %s", host, environ.get("REMOTE_ADDR"))
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(WRONG_HOST))), ("Cache-Control", "no-store")])
        return [WRONG_HOST]
    return wrapped
