"""The app reads at most 64 kB of any body, once, whatever framing the server below let through."""

import io
from wsgiref.util import setup_testing_defaults

import pytest

from hambot.web.bodylimit import MAX_BODY

PASSWORD = "correct horse battery"


class ServerInput(io.RawIOBase):
    """A server's wsgi.input holding `size` bytes of `data` repeated, counting what the app reads of it."""

    def __init__(self, data, size=None):
        self.data, self.left, self.taken = data, len(data) if size is None else size, 0

    def read(self, count=-1):
        count = self.left if count is None or count < 0 else min(count, self.left)
        part = (self.data * (count // len(self.data) + 1))[:count]
        self.left -= count
        self.taken += count
        return part


@pytest.fixture
def app(make_app):
    app = make_app()
    app.password.set(PASSWORD)
    return app


def post_login(app, stream, **environ):
    """(status line, body) of POST /login as a server hands it to the app."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/login", "HTTP_SEC_FETCH_SITE": "same-origin",
               "CONTENT_TYPE": "application/x-www-form-urlencoded", **environ}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = stream
    answer = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: answer.append(status)))
    return answer[0], body


def test_a_body_the_server_decoded_from_chunks_is_not_decoded_again(app):
    stream = ServerInput(b"password=wrong&next=/")
    status, body = post_login(app, stream, HTTP_TRANSFER_ENCODING="chunked")
    assert status.startswith("401 ") and b"That password is not right." in body


@pytest.mark.parametrize("environ", [{"CONTENT_LENGTH": "100000000"}, {"CONTENT_LENGTH": "0000000000100000000"},
                                     {"HTTP_TRANSFER_ENCODING": "chunked"}])
def test_a_body_over_64_kb_is_refused_having_read_at_most_64_kb(app, environ):
    stream = ServerInput(b"a", 20 * 1024 * 1024)
    status, body = post_login(app, stream, **environ, CONTENT_TYPE="multipart/form-data; boundary=b")
    assert status.startswith("413 ") and b"That request is too large." in body
    assert stream.taken <= MAX_BODY + 1


@pytest.mark.parametrize("length", ["1_000", "\xb9", "-1", "0x10", "1e3"])
def test_a_length_that_is_not_plain_digits_is_refused(app, length):
    stream = ServerInput(b"a", 1000)
    status, body = post_login(app, stream, CONTENT_LENGTH=length)
    assert status.startswith("400 ") and b"That request could not be understood." in body
    assert stream.taken == 0


def test_no_more_than_the_declared_length_is_read(app):
    stream = ServerInput(b"password=wrong&next=/" + b"a" * 1000)
    status, _ = post_login(app, stream, CONTENT_LENGTH="21")
    assert status.startswith("401 ") and stream.taken == 21
