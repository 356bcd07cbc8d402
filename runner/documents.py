"""Previews of outputs a browser could run (HTML, SVG, Markdown) as self-contained documents.

Nothing here is ever served as a page of the application. The preview API returns the document
as a JSON string, and the front end shows it only in `<iframe sandbox="" srcdoc=...>`: a frame
with an opaque origin (no cookies, no API, nothing of the application's DOM) in which no script
runs. The document also opens with its own Content-Security-Policy (`FRAME_CSP`), which adds
to the application's, so the untrusted content cannot load anything either (no request to
/api or another host; only inline styles and data: images), whatever the HTML says.
"""

from __future__ import annotations

import base64
import html
from pathlib import PurePath
from typing import BinaryIO

from markdown_it import MarkdownIt

DOCUMENT_MAX_BYTES = 2 * 1024 * 1024  # a larger file is not previewed (download it instead)

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SVG_SUFFIXES = {".svg"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}

FRAME_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
)
_HEAD = (
    '<!doctype html><meta charset="utf-8">'
    f'<meta http-equiv="Content-Security-Policy" content="{FRAME_CSP}">'
    '<meta name="referrer" content="no-referrer">'
)
_STYLE = (
    "<style>body{margin:0;padding:12px;font:14px/1.5 system-ui,sans-serif;color:#0f172a}"
    "img{max-width:100%}pre{overflow:auto;background:#f1f5f9;padding:8px}"
    "table{border-collapse:collapse}td,th{border:1px solid #cbd5e1;padding:2px 6px}</style>"
)

# CommonMark plus tables; raw HTML in the Markdown is escaped, not passed through, and
# markdown-it refuses javascript:/vbscript:/file: links.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def kind_of(path: PurePath) -> str | None:
    """`html`, `svg` or `markdown` for a file previewed as a sandboxed document, else None."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in SVG_SUFFIXES:
        return "svg"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    return None


def _too_large() -> str:
    return (
        f"{_HEAD}{_STYLE}<p>This file is larger than the preview shows ({DOCUMENT_MAX_BYTES} bytes): "
        "download it instead.</p>"
    )


def document(file: BinaryIO, name: str, kind: str) -> str:
    """The sandboxed document previewing `file` (open, binary; named `name`), of `kind_of` it."""
    data = file.read(DOCUMENT_MAX_BYTES + 1)
    if len(data) > DOCUMENT_MAX_BYTES:
        return _too_large()
    if kind == "svg":
        # an SVG shown as an image never runs script, even where the sandbox would not hold
        src = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
        return f'{_HEAD}{_STYLE}<img alt="{html.escape(name)}" src="{src}">'
    text = data.decode("utf-8", errors="replace")
    if kind == "markdown":
        return f"{_HEAD}{_STYLE}{_markdown.render(text)}"
    # the output's own HTML follows our head: our policy is in force before any of it is parsed
    return f"{_HEAD}{text}"
