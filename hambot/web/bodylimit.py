"""No route reads more than its limit of a request body, whatever the server below made of its framing: MAX_BODY,
or for a photo upload (POST /api/v1/photos) MAX_PHOTO_MB and room for a form's fields. The worker
(service/worker.py) and the app (web/app.py) both ask limit_for."""

import io
import re

MAX_BODY = 64 * 1024  # hambot's forms and API calls are far smaller
DIGITS = re.compile(r"[0-9]+")
UPLOADS = frozenset({("POST", "/api/v1/photos")})


def limit_for(method, path, photo_bytes):
    """The most body bytes a request to `path` may carry."""
    return photo_bytes + MAX_BODY if (method, path) in UPLOADS else MAX_BODY


def limit_body(environ, limit=MAX_BODY):
    """400 or 413 for a body no route may read; else None, the body (at most `limit` bytes) now in memory.

    Transfer-Encoding goes too: the server has decoded the chunks, and Bottle would decode them a second time.
    """
    chunked = environ.pop("HTTP_TRANSFER_ENCODING", None) is not None
    length = environ.get("CONTENT_LENGTH", "").strip()
    if length and not DIGITS.fullmatch(length):
        return 400
    declared = int(length or 0)
    if declared > limit:
        return 413
    if declared or chunked:
        body = read_at_most(environ["wsgi.input"], declared or limit + 1)
        if len(body) > limit:
            return 413
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    return None


def read_at_most(stream, count):
    parts, size = [], 0
    while size < count and (part := stream.read(min(count - size, 65536))):
        parts.append(part)
        size += len(part)
    return b"".join(parts)
