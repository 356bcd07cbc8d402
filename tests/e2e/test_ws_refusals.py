"""A refused run feed reaches a real browser over Daphne as its application close code (not the
bare 1006 of a handshake refused before accept), so the front end can stop and say why."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import login

CLOSE_CODE = """url => new Promise(resolve => {
  const ws = new WebSocket(url);
  ws.onclose = e => resolve(e.code);
})"""


def test_the_browser_gets_4401_4403_and_4404(live_url: str, page: Any, browser: Any, alice: Any, acme: Any) -> None:
    port = live_url.rsplit(":", 1)[1]
    feed = f"ws://127.0.0.1:{port}/ws/runs/999999/"

    login(page, live_url, "alice", "pw-alice")
    assert page.evaluate(CLOSE_CODE, feed) == 4404  # signed in, same origin, no such run
    # the same server under another name is another origin (the port matches, the host does not)
    page.goto(f"http://localhost:{port}/login/")
    assert page.evaluate(CLOSE_CODE, feed) == 4403
    assert page.evaluate(CLOSE_CODE, f"ws://localhost:{port}/ws/runs/999999/") == 4401  # no session there

    anonymous = browser.new_context().new_page()
    try:
        anonymous.goto(live_url + "/login/")
        assert anonymous.evaluate(CLOSE_CODE, feed) == 4401
    finally:
        anonymous.context.close()
