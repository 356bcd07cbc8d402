"""A refused run feed reaches a real browser over Daphne as its application close code (not the
bare 1006 of a handshake refused before accept), so the front end can stop and say why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.e2e.conftest import login

CLOSE_CODE = """url => new Promise(resolve => {
  const ws = new WebSocket(url);
  ws.onclose = e => resolve(e.code);
})"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>elsewhere</title><p>another site</p>")

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def elsewhere() -> Iterator[str]:
    """Another web site, on a free loopback port, for as long as the block lasts."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_browser_gets_4401_4403_and_4404(live_url: str, page: Any, browser: Any, alice: Any, acme: Any) -> None:
    port = live_url.rsplit(":", 1)[1]
    feed = f"ws://127.0.0.1:{port}/ws/runs/999999/"

    login(page, live_url, "alice", "pw-alice")
    assert page.evaluate(CLOSE_CODE, feed) == 4404  # signed in, same origin, no such run
    # a page of another origin: a server of its own on another port of the same host (so the
    # browser still sends the session cookie), and without our CSP, whose connect-src would stop
    # the browser before the server's refusal under test is reached
    with elsewhere() as other:
        page.goto(other)
        assert page.evaluate(CLOSE_CODE, feed) == 4403
    # the same server under another name: its own origin, where the browser has no session
    page.goto(f"http://localhost:{port}/login/")
    assert page.evaluate(CLOSE_CODE, f"ws://localhost:{port}/ws/runs/999999/") == 4401

    anonymous = browser.new_context().new_page()
    try:
        anonymous.goto(live_url + "/login/")
        assert anonymous.evaluate(CLOSE_CODE, feed) == 4401
    finally:
        anonymous.context.close()
