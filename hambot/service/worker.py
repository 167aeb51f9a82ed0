"""gunicorn's gthread worker, changed so that slow clients cost a socket, never one of the few threads.

gthread hands each connection to a thread that blocks reading the request and writing the response; a few
clients that send or read slowly (a phone on a bad link, or someone doing it on purpose) hold every thread, and
the pet cam stops answering. Here the worker's main loop collects each request whole before a thread takes it,
and takes over sending a photo's bytes when the client cannot take them as fast as the thread writes them.
Where a request ends is decided by gunicorn's own parser, run by the main loop on the bytes received (what could
be read two ways is refused); the thread's gunicorn then parses those same bytes from memory, never the socket.
"""

import errno
import inspect
import os
import re
import selectors
import socket
import threading
import time
from collections import deque
from functools import partial
from urllib.parse import urlsplit

from gunicorn import util
from gunicorn.http.body import LengthReader
from gunicorn.http.errors import NoMoreData, ParseException
from gunicorn.http.message import Message, Request
from gunicorn.http.parser import RequestParser
from gunicorn.http.unreader import IterUnreader, Unreader
from gunicorn.http.wsgi import Response
from gunicorn.workers.gthread import TConn, ThreadWorker

from .memory import Trimmer
from ..core import remote
from ..web.bodylimit import DIGITS, MAX_BODY, limit_for
from ..web.pages import waits_on_camera as route_waits_on_camera

REQUEST_SECONDS = 10  # from the connection (or a kept-alive one's next byte) to the request's last byte
WRITE_SECONDS = 30  # a response the client takes nothing of for this long is abandoned
MAX_HEAD = 32 * 1024
READ_SIZE = 16 * 1024
SEND_SIZE = 256 * 1024
DRAIN_SECONDS = 2  # after the last answer, what the client still sends is read and dropped for this long
UPLOAD_RATE = 128 * 1024  # bytes a second a photo upload's body is given beyond REQUEST_SECONDS
UPLOADS_AT_ONCE = 4  # photo uploads a worker collects at once (each is held in memory until it is whole)

EXPECT_CONTINUE = re.compile(rb"\nexpect[ \t]*:[ \t]*100-continue", re.IGNORECASE)
REQUEST_LINE = re.compile(rb"([A-Z]+) ([^ \r\n]+) HTTP/")
PRESSES = ("/snapshot", "/api/v1/snapshots")  # a press's thread may wait on the camera too, though never parked
REFUSALS = {
    400: ("Bad Request", "That request is malformed."),
    408: ("Request Timeout", "The request did not arrive in time."),
    411: ("Length Required", "A request body needs a Content-Length header."),
    413: ("Content Too Large", "That request is too large."),
    431: ("Request Header Fields Too Large", "The request's headers are too large."),
    503: ("Service Unavailable", "Too many uploads are arriving at once; try again shortly."),
}


# What the worker relies on inside gunicorn 27 (pyproject pins it): methods it overrides or calls, with their
# parameters, and attributes it reads or sets, looked for in the source of the method that creates them.
OVERRIDDEN = {
    ThreadWorker: {"init_process": "", "load_wsgi": "", "handle_exit": "sig frame", "accept": "listener", "enqueue_req": "conn",
                   "on_client_socket_readable": "conn client", "handle": "conn", "handle_request": "req conn",
                   "finish_request": "conn fs", "murder_pending": "", "check_config": "cfg log"},
    TConn: {"init": "", "close": "graceful"},
    Unreader: {"take_buffered": "", "unread": "data"},
    Response: {"send_headers": "", "is_chunked": ""},
}
ATTRIBUTES = {
    ThreadWorker: {"__init__": "self.nr_conns self.keepalived_conns", "init_process": "self.poller",
                   "finish_request": "conn.parser.unreader.buf.getvalue()", "handle": "next(conn.parser)"},
    TConn: {"__init__": "self.sock self.client self.parser self.data_ready", "init": "if self.parser is None:"},
    RequestParser: {"__init__": "IterUnreader(source)"},
    Unreader: {"__init__": "self.buf"},
    Response: {"__init__": "self.response_length self.sent"},
    Message: {"__init__": "self.headers self.body self._expected_100_continue"},
    LengthReader: {"__init__": "self.length"},
}


def missing_from_gunicorn():
    """What this worker relies on that the installed gunicorn lacks or has changed; empty on gunicorn 27."""
    missing = []
    for cls, methods in OVERRIDDEN.items():
        for name, parameters in methods.items():
            method = getattr(cls, name, None)
            found = list(inspect.signature(method).parameters) if method else None
            if found is None or [parameter for parameter in found if parameter != "self"] != parameters.split():
                missing.append(f"{cls.__name__}.{name}({parameters})")
    for cls, methods in ATTRIBUTES.items():
        for name, attributes in methods.items():
            source = inspect.getsource(getattr(cls, name))
            missing += [f"{attribute} in {cls.__name__}.{name}" for attribute in attributes.split()
                        if attribute not in source]
    return missing


def head_end(data):
    """Offset just past the blank line that ends the request head, or None while it is still coming."""
    ends = [index + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (index := data.find(mark)) >= 0]
    return min(ends) if ends else None


def request_needs(data, cfg, peer=("127.0.0.1", 0), photo_bytes=0):
    """What gunicorn's own parser makes of the first request in `data` (a photo upload may carry photo_bytes more).

    ("more", None) while the head is coming, ("more", size) while its body is, ("whole", size) or ("refuse", status).
    """
    return read_request(data, cfg, peer, photo_bytes)[:2]


def read_request(data, cfg, peer, photo_bytes=0):
    """request_needs, and gunicorn's Request when the whole request was parsed from `data` (else None)."""
    end = head_end(data)
    if end is None or end > MAX_HEAD:
        return ("refuse", 431, None) if len(data) > MAX_HEAD else ("more", None, None)
    unreader = IterUnreader([bytes(data)])
    try:
        request = Request(cfg, unreader, peer)
    except (NoMoreData, StopIteration):
        return ("refuse", 431, None) if len(data) > MAX_HEAD else ("more", None, None)
    except ParseException:
        return "whole", len(data), None  # the thread's parser refuses it again, with gunicorn's own answer
    head = len(data) - len(unreader.take_buffered())
    status = 431 if head > MAX_HEAD else framing_refusal(request, limit_for(request.method, request.path, photo_bytes))
    if status:
        return "refuse", status, None
    size = head + request.body.reader.length
    if len(data) < size:
        return "more", size, None
    unreader.unread(bytes(data[head:size]))  # the body, for the thread to read; what follows is the next request's
    return "whole", size, request


class ParsedRequestParser(RequestParser):
    """gunicorn's parser for a connection, starting from the request the main loop's parser has already read:
    parsing a head costs gunicorn about 150 µs, which a second parse in the thread would spend again."""

    def __init__(self, cfg, request, peer):
        super().__init__(cfg, [], peer)
        self.unreader, self.ready = request.unreader, request

    def __next__(self):
        if self.ready is None:
            return super().__next__()
        self.mesg, self.ready = self.ready, None
        self.req_count += 1
        return self.mesg

    next = __next__


def framing_refusal(request, limit=MAX_BODY):
    """411 for any Transfer-Encoding, 400 for a length that is not plain digits, 413 for one over `limit`."""
    for name, value in request.headers:
        if name == "TRANSFER-ENCODING":
            return 411
        if name == "CONTENT-LENGTH" and not DIGITS.fullmatch(value):
            return 400
    return 413 if request.body.reader.length > limit else None


def waits_on_camera(data):
    """Whether a request's thread may wait for a capture: "park" for D.O.G.'s legacy GET and the pending page,
    which wait here while they would take the last free thread; "count" for a press, which the shutter bounds."""
    line = REQUEST_LINE.match(data)
    if line is None:
        return False
    method, target = line[1].decode("latin-1"), urlsplit(line[2].decode("latin-1"))
    if route_waits_on_camera(method, target.path, target.query):
        return "park"
    return "count" if method == "POST" and target.path in PRESSES else False


def refusal(status):
    reason, sentence = REFUSALS[status]
    body = (sentence + "\n").encode()
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
            ).encode() + body


class Connection(TConn):
    """A client connection, and what the main loop is waiting for on it."""

    def __init__(self, worker, *args):
        super().__init__(*args)
        self.worker, self.state, self.deadline = worker, None, 0.0
        self.arrived, self.request, self.needed, self.continued = bytearray(), None, None, False
        self.parsed = None  # gunicorn's Request for self.request, when the main loop parsed it whole
        self.outgoing, self.keep_after = None, False  # a file whose rest the main loop sends
        self.waits_on_camera = False
        self.large = False  # a photo upload's body is coming: it counts toward UPLOADS_AT_ONCE

    def close(self, graceful=False):
        """gunicorn's graceful close waits up to 2 s for the client inside the main loop; here the loop waits."""
        if graceful and threading.current_thread() is threading.main_thread():
            self.worker.nr_conns += 1
            self.worker.close_soon(self)
        else:
            super().close(graceful)


class WholeRequestWorker(ThreadWorker):
    @classmethod
    def check_config(cls, cfg, log):
        """Refuse to start, in one sentence, on a gunicorn whose internals the worker relies on have changed."""
        missing = missing_from_gunicorn()
        if missing:
            raise RuntimeError(f"hambot's worker needs gunicorn 27; this gunicorn lacks or changed "
                               f"{', '.join(missing)}.")
        super().check_config(cfg, log)

    def init_process(self):
        self.waiting = set()  # connections the main loop is collecting a request from, sending to, or closing
        self.current = threading.local()  # each thread's connection, for send_file_aside
        self.next_look = 0.0
        self.parked, self.camera_threads = deque(), 0  # legacy presses kept from the last free thread, and in threads
        self.uploads = 0  # photo uploads being collected
        self.trimmer = Trimmer()
        super().init_process()

    def handle_exit(self, sig, frame):
        """SIGTERM: gunicorn's graceful stop, and the long polls of cameras that push here answer at once."""
        super().handle_exit(sig, frame)
        remote.SHUTTING_DOWN.set()

    def load_wsgi(self):
        super().load_wsgi()
        settings = getattr(self.wsgi, "settings", None)  # hambot's app; the benchmarks' ceiling app has none
        self.photo_bytes = settings.max_photo_bytes if settings else 0
        self.wsgi = partial(self.send_file_aside, self.wsgi)

    # Requests: collected whole by the main loop

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        self.nr_conns += 1
        self.collect(Connection(self, self.cfg, client_sock, client_addr, listener.getsockname()))

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection's next request: it stays with the poller, whose callback alone changes (no
        system call), and collect reads it at once."""
        self.keepalived_conns.remove(conn)
        self.waiting.add(conn)
        self.collect(conn)

    def enqueue_req(self, conn):
        """gunicorn hands back a kept-alive connection whose next request is partly read: collect the rest first."""
        self.collect(conn)

    def collect(self, conn):
        """Wait for the connection's next request, starting from what a thread has already read of it."""
        early = conn.parser.unreader.take_buffered() if conn.parser else b""
        conn.arrived, conn.needed, conn.continued = bytearray(early), None, False
        if early and self.judge(conn):
            return
        self.wait_on(conn, "request", REQUEST_SECONDS, selectors.EVENT_READ, self.on_readable)
        self.on_readable(conn, conn.sock)  # the request often came with the connection

    def wait_on(self, conn, state, seconds, events, callback):
        if conn.sock.gettimeout() != 0.0:  # gettimeout asks Python, not the kernel
            conn.sock.setblocking(False)
        conn.state, conn.deadline = state, time.monotonic() + seconds
        if conn not in self.waiting:
            self.waiting.add(conn)
            self.poller.register(conn.sock, events, partial(callback, conn))
        else:
            self.poller.modify(conn.sock, events, partial(callback, conn))

    def stop_waiting(self, conn):
        self.waiting.discard(conn)
        self.poller.unregister(conn.sock)

    def on_readable(self, conn, sock):
        try:
            data = sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.forget(conn)
        elif conn.state == "request":
            conn.arrived += data
            if self.judge(conn):
                self.stop_waiting(conn)

    def judge(self, conn):
        """Hand a whole request to a thread, or refuse it; True when the main loop is done with the connection."""
        verdict, size, conn.parsed = self.needs(conn)
        if verdict == "more" and size and size > MAX_BODY + MAX_HEAD and not conn.large:
            if self.uploads >= UPLOADS_AT_ONCE:
                verdict, size = "refuse", 503
            else:  # a photo upload: held in memory, given time for its size
                conn.large, self.uploads = True, self.uploads + 1
                conn.deadline += size / UPLOAD_RATE
        if verdict != "more":
            self.done_uploading(conn)
        if verdict == "whole":
            conn.request, conn.arrived = bytes(conn.arrived[:size]), conn.arrived[size:]
            conn.data_ready = True
            self.start_or_park(conn)
            return True
        if verdict == "more":
            conn.needed = size
            if size and not conn.continued and EXPECT_CONTINUE.search(conn.arrived):
                conn.continued = True
                self.send_quietly(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        self.refuse(conn, size)
        return False

    def done_uploading(self, conn):
        if conn.large:
            conn.large, self.uploads = False, self.uploads - 1

    def needs(self, conn):
        """request_needs for what has arrived; once the head is read, only the body's bytes are counted."""
        if conn.needed is None:
            return read_request(conn.arrived, conn.cfg, conn.client, self.photo_bytes)
        return "whole" if len(conn.arrived) >= conn.needed else "more", conn.needed, None

    def start_or_park(self, conn):
        """Hand a request to a thread; a legacy press or a pending page waits here instead while it would take the
        last free one (with the presses already in threads counted)."""
        conn.waits_on_camera = waits_on_camera(conn.request)
        if conn.waits_on_camera == "park" and self.camera_threads >= max(1, self.cfg.threads - 1):
            self.parked.append(conn)
            return
        self.camera_threads += bool(conn.waits_on_camera)
        super().enqueue_req(conn)

    def unpark(self, conn):
        """A legacy press's thread is done: a parked one may take it."""
        conn.waits_on_camera = False
        self.camera_threads -= 1
        while self.parked and self.camera_threads < max(1, self.cfg.threads - 1):
            self.start_or_park(self.parked.popleft())

    def refuse(self, conn, status):
        self.log.info("refused a request from %s: %s", conn.client[0], REFUSALS[status][1])
        self.done_uploading(conn)
        self.send_quietly(conn, refusal(status))
        self.close_soon(conn)

    def close_soon(self, conn):
        """Close after the client has read the answer: FIN now, then read and drop what it still sends."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.wait_on(conn, "closing", DRAIN_SECONDS, selectors.EVENT_READ, self.on_readable)

    @staticmethod
    def send_quietly(conn, data):
        try:
            conn.sock.send(data)
        except OSError:
            pass  # it will not hear the answer; the connection closes all the same

    def forget(self, conn):
        self.done_uploading(conn)
        if conn in self.waiting:
            self.stop_waiting(conn)
        if conn.outgoing:
            conn.outgoing[0].close()
            conn.outgoing = None
        self.nr_conns -= 1
        util.close(conn.sock)

    def murder_pending(self):
        """Runs after every turn of the main loop; the deadlines are looked at four times a second."""
        super().murder_pending()
        now = time.monotonic()
        if now < self.next_look:
            return
        self.next_look = now + 0.25
        self.trimmer.now_and_then()
        for conn in [conn for conn in self.waiting if conn.deadline <= now]:
            if conn.state == "request" and conn.arrived:
                self.refuse(conn, 408)
            else:
                if conn.state == "sending":
                    self.log.info("gave up on %s: it took nothing of its photo for %d s", conn.client[0], WRITE_SECONDS)
                self.forget(conn)  # an idle connection just closes, like a kept-alive one

    def handle(self, conn):
        """gunicorn parses the collected request again, from memory: a thread never waits on the client's bytes."""
        if conn.parsed is not None:
            conn.parser = ParsedRequestParser(self.cfg, conn.parsed, conn.client)
        elif conn.request is not None:
            conn.parser = RequestParser(self.cfg, [conn.request], conn.client)
        conn.request = conn.parsed = None
        keep = super().handle(conn)
        if keep and conn.arrived:  # pipelined: gunicorn's finish_request hands the next request back to collect
            conn.parser.unreader.unread(bytes(conn.arrived))
            conn.arrived = bytearray()
        return keep

    # Responses: threads write them, but leave a file's rest to the main loop when the client is slow

    def handle_request(self, req, conn):
        conn.sock.settimeout(WRITE_SECONDS)
        req._expected_100_continue = False  # the main loop answered it before the body came
        self.current.conn = conn
        try:
            return super().handle_request(req, conn)
        except TimeoutError:
            self.log.info("gave up on %s: it took nothing of its response for %d s", conn.client[0], WRITE_SECONDS)
            return False

    def send_file_aside(self, app, environ, start_response):
        """Send a file response's bytes as far as the socket takes them now; the main loop sends the rest."""
        result = app(environ, start_response)
        response = getattr(start_response, "__self__", None)
        if (not isinstance(result, environ["wsgi.file_wrapper"]) or environ["REQUEST_METHOD"] == "HEAD"
                or response is None or response.response_length is None or response.is_chunked()):
            return result
        offset, length = result.filelike.tell(), response.response_length
        try:
            response.send_headers()
            sent = send_now(environ["gunicorn.socket"], result.filelike, offset, length)
        except BaseException:
            result.close()
            raise
        response.sent = length  # for the access log: the rest goes out from the main loop
        if sent < length:
            self.current.conn.outgoing = (result.filelike, offset + sent, length - sent)
        else:
            result.close()
        return []

    def finish_request(self, conn, fs):
        if conn.waits_on_camera:
            self.unpark(conn)
        if conn.outgoing and not fs.cancelled() and fs.exception() is None:
            conn.keep_after = bool(fs.result()) and self.alive
            self.wait_on(conn, "sending", WRITE_SECONDS, selectors.EVENT_WRITE, self.on_writable)
            return
        super().finish_request(conn, fs)

    def on_writable(self, conn, sock):
        file, offset, left = conn.outgoing
        try:
            sent = send_now(sock, file, offset, left)
        except OSError:
            self.forget(conn)
            return
        if sent == left:
            file.close()
            conn.outgoing = None
            if conn.keep_after:
                self.stop_waiting(conn)
                self.collect(conn)
            else:
                self.close_soon(conn)
        elif sent:
            conn.outgoing = (file, offset + sent, left - sent)
            conn.deadline = time.monotonic() + WRITE_SECONDS


def send_now(sock, file, offset, count):
    """Bytes of `file` sent with sendfile before the socket would block (its timeout makes it non-blocking)."""
    sent = 0
    while sent < count:
        try:
            done = os.sendfile(sock.fileno(), file.fileno(), offset + sent, min(count - sent, SEND_SIZE))
        except (BlockingIOError, InterruptedError):
            break
        if done == 0:
            raise BrokenPipeError("the file ended early")
        sent += done
    return sent
