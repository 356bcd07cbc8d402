"""Files the application did not write (step outputs, datasets) as the browser receives them.

A download is always an attachment, never a document of the application's origin: an HTML or
SVG output opened from its link would otherwise run its script in the viewer's session. Every
such response also carries `nosniff` and a sandboxing Content-Security-Policy, so even a browser
that ignored the attachment would render it in an opaque origin with nothing allowed.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from typing import TypeVar
from urllib.parse import quote

from django.http import HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)

# The policy of a download itself (defence in depth): an opaque origin, no script, no fetch.
DOWNLOAD_CSP = "sandbox; default-src 'none'"

# Types a browser would run as a document or a script: downloaded as plain bytes instead.
ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/xsl",
}


def download_type(filename: str) -> str:
    """The Content-Type a download of `filename` is served with: its own, unless a browser could
    run it (HTML, SVG, XML, script), then `application/octet-stream`."""
    guessed, encoding = mimetypes.guess_type(filename)
    if encoding or not guessed or guessed in ACTIVE_TYPES:
        return "application/octet-stream"
    return guessed


def content_disposition(filename: str) -> str:
    """`attachment; filename="..."` (RFC 6266); a name that is not plain ASCII also gets its
    exact UTF-8 form in `filename*` (RFC 5987) after an ASCII fallback."""
    fallback = "".join(
        "_" if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ).strip()
    fallback = fallback or "download"
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def as_attachment(response: R, filename: str) -> R:
    """Mark `response` as a download of `filename` that no browser renders on our origin."""
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
