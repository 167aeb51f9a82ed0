"""No route reads more than MAX_BODY bytes of a request body, whatever the server below made of its framing."""

import io
import re

MAX_BODY = 64 * 1024  # hambot's forms and API calls are far smaller
DIGITS = re.compile(r"[0-9]+")
REFUSALS = {400: ("400 Bad Request", b"That request is malformed.\n"),
            413: ("413 Content Too Large", b"That request is too large.\n")}


def limit_body(app, limit=MAX_BODY):
    """`app` with the body in memory, at most `limit` bytes, and no Transfer-Encoding left for Bottle to decode."""
    def wrapped(environ, start_response):
        chunked = environ.pop("HTTP_TRANSFER_ENCODING", None) is not None  # the server has decoded it already
        length = environ.get("CONTENT_LENGTH", "").strip()
        if length and not DIGITS.fullmatch(length):
            return refuse(start_response, 400)
        declared = int(length or 0)
        if declared > limit:
            return refuse(start_response, 413)
        if declared or chunked:
            body = read_at_most(environ["wsgi.input"], declared or limit + 1)
            if len(body) > limit:
                return refuse(start_response, 413)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return app(environ, start_response)
    return wrapped


def read_at_most(stream, count):
    parts, size = [], 0
    while size < count and (part := stream.read(min(count - size, 65536))):
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def refuse(start_response, status):
    line, sentence = REFUSALS[status]
    start_response(line, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(sentence)))])
    return [sentence]
