"""Headers every response carries, and the check that a form post came from our own pages."""

from urllib.parse import urlsplit

HEADERS = (
    ("Content-Security-Policy",
     "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; "
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
