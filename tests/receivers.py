"""Real notification receivers on loopback for the alert tests: an SMTP server and a JSON webhook."""

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from conftest import free_port


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1: every message it is handed, parsed."""

    def __init__(self):
        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"

    def url(self):
        return f"mailto://hambot@127.0.0.1:{self.port}?to=owner@example.org&from=hambot@example.org"

    def stop(self):
        self.controller.stop()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver = self.server.receiver
        receiver.posts.append(dict(json.loads(body), path=self.path))
        receiver.arrived.release()
        time.sleep(receiver.delay)  # a slow service: the sender is mid-send for this long
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class JsonReceiver:
    """A plain HTTP server taking Apprise's json:// posts; it can go down and come back on the same port."""

    def __init__(self, port=None, delay=0.0):
        self.posts, self.delay = [], delay
        self.arrived = threading.Semaphore(0)
        self.port = port or free_port()
        self.server = None
        self.up()

    def up(self):
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.server.receiver = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        self.server.shutdown()
        self.server.server_close()

    def url(self):
        return f"json://127.0.0.1:{self.port}/hook"


class Blackhole:
    """A port that takes connections and never answers: a service that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def url(self):
        return f"json://127.0.0.1:{self.port}/hook?cto=30&rto=30"

    def close(self):
        self.sock.close()
