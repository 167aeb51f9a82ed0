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
