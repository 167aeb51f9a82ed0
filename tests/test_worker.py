"""When the worker's main loop deems a request whole, and when it refuses one without a thread."""

import pytest

from hambot.worker import MAX_BODY, MAX_HEAD, refusal, request_needs, waits_on_camera

HEAD = b"POST /login HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize("data, verdict", [
    (b"", "more"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n", "more"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "complete"),
    (b"GET / HTTP/1.1\nHost: x\n\n", "complete"),  # bare LF: gunicorn's parser decides
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next", "complete"),  # pipelined: the rest waits its turn
    (HEAD + b"Content-Length: 9\r\n\r\npassword=", "complete"),
    (HEAD + b"content-length:9\r\n\r\npass", "more"),
    (HEAD + b"Content-Length: 9\r\n\r\n", "more"),
    (HEAD + b"X-Content-Length: 9\r\n\r\n", "complete"),  # not the header it looks like
    (HEAD + b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1), 413),
    (HEAD + b"Content-Length: 99999999999999999999\r\n\r\n", "complete"),  # 20 digits: the parser refuses it
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n4\r\npass\r\n", "more"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n4\r\npass\r\n0\r\n\r\n", "complete"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "complete"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"a" * (MAX_BODY + 1), 413),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEAD, 431),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEAD + b"\r\n\r\n", 431),
])
def test_request_needs(data, verdict):
    assert request_needs(data) == verdict


@pytest.mark.parametrize("status, sentence", [(408, b"The request did not arrive in time.\n"),
                                              (413, b"That request is too large.\n"),
                                              (431, b"The request's headers are too large.\n")])
def test_a_refusal_is_a_whole_plain_answer_that_closes_the_connection(status, sentence):
    head, body = refusal(status).split(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status) and b"\r\nConnection: close" in head
    assert body == sentence and b"\r\nContent-Length: %d" % len(sentence) in head


@pytest.mark.parametrize("data, waits", [
    (b"GET /?get+image=get+image HTTP/1.0\r\n\r\n", True),
    (b"GET /index?get+image=1 HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /?get%20image=x&refresh=0 HTTP/1.0\r\n\r\n", True),
    (b"GET /?get+image= HTTP/1.0\r\n\r\n", False),  # an empty value takes no photo
    (b"GET / HTTP/1.0\r\n\r\n", False),
    (b"GET /photos?get+image=1 HTTP/1.0\r\n\r\n", False),
    (b"POST /?get+image=1 HTTP/1.0\r\n\r\n", False),
])
def test_only_dogs_legacy_get_is_kept_from_a_workers_last_thread(data, waits):
    assert waits_on_camera(data) is waits
