"""Daphne's HTTP requests without Twisted's form parsing.

Daphne's request class is a Twisted `http.Request`, which by default parses the body of every POST
that has a Content-Type: the type itself through the email package (~0.1 ms a request, a tenth of
the web process's CPU for a scoring request), and a `multipart/form-data` or urlencoded body in
full into `request.args`, on the event loop. Daphne never reads `request.args` (the ASGI app gets
the raw body, and Django parses uploads itself), so that work is thrown away: a dataset upload was
parsed twice, once blocking every other request of the process. `install()` (called by
pipewright.asgi, which Daphne imports before it serves) makes Daphne's requests pass
`parsePOSTFormSubmission=False`, Twisted's own switch for this (in the Twisted pinned here; an
older one without it is left as it is).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any


def install() -> bool:
    """True when Daphne's requests now skip the parsing (also when they already did)."""
    try:
        from daphne import http_protocol
        from twisted.web import http
    except ImportError:  # served by another ASGI server
        return False

    if "parsePOSTFormSubmission" not in inspect.signature(http.Request.__init__).parameters:
        return False  # an older Twisted: nothing to switch off
    request_class: Any = http_protocol.WebRequest
    if getattr(request_class.__init__, "_pw_no_form_parsing", False):
        return True
    original = request_class.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original(self, *args, **kwargs)

    init._pw_no_form_parsing = True  # type: ignore[attr-defined]
    request_class.__init__ = init
    return True
