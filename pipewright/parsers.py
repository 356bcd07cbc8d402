"""Bounded request parsers: a body is refused with a 4xx naming its place, never a 500, before it
can cost more than its limit.

- JSON: at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes (checked from the declared Content-Length, then
  while reading), at most `JSON_MAX_DEPTH` levels of nesting, no NUL characters and no lone
  surrogates (PostgreSQL text and jsonb refuse both), UTF-8 only.
- Multipart bodies: at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes, or what the view's
  `upload_limit() -> (max bytes, field)` allows; a body whose declared Content-Length is over it
  is a 413 naming the field, before any of it is read.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser


class BodyError(ParseError):
    """A body refused while parsing, with located `errors` (pipewright.errors' handler sends them
    as they are). Not a LocatedError: DRF imports the parsers while pipewright.errors loads."""

    def __init__(self, detail: str, errors: list[dict[str, Any]], status_code: int = 400) -> None:
        super().__init__(detail)
        self.errors = errors
        self.status_code = status_code


def _bad_char(text: str) -> str | None:
    if "\x00" in text:
        return "NUL (\\u0000) characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "lone surrogate (\\ud800-\\udfff) characters"
    return None


def find_bad_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """(path, what) of the first string (key or value) the database cannot hold, or None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            what = _bad_char(item)
            if what:
                return where or "(the body)", what
        elif isinstance(item, dict):
            for key, child in item.items():
                what = _bad_char(key)
                if what:
                    return (f"{where}.{key!r}" if where else repr(key)), what
                stack.append((child, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None


def depth_over(value: Any, limit: int) -> str | None:
    """The path of the first container nested deeper than `limit` levels, or None (no recursion)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, (dict, list)) and depth > limit:
            return where or "(the body)"
        if isinstance(item, dict):
            stack.extend((child, f"{where}.{key}" if where else str(key), depth + 1) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
    return None


def top_field(path: str) -> str:
    """`graph` for `graph.nodes[0]...`: the body field a problem deep inside it belongs to."""
    return path.split(".", 1)[0].split("[", 1)[0]


def too_large(what: str, limit: int, field: str | None) -> BodyError:
    return BodyError(
        f"{what} is larger than {limit} bytes.",
        [{"field": field, "message": f"is larger than the limit of {limit} bytes"}],
        status_code=413,
    )


def declared_length(parser_context: Any) -> int:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        return max(int(meta.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class SafeJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and declared_length(parser_context) > limit:
            raise too_large("The request body", limit, None)
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise too_large("The request body", limit, None)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not UTF-8 (byte {exc.start}).")
        try:
            data = strict_loads(text)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.")
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}")
        deep = depth_over(data, settings.JSON_MAX_DEPTH)
        if deep is not None:
            raise BodyError(
                f"{deep}: the document is nested more than {settings.JSON_MAX_DEPTH} levels deep.",
                [{"field": top_field(deep), "message": f"is nested more than {settings.JSON_MAX_DEPTH} levels deep"}],
            )
        bad = find_bad_text(data)
        if bad is not None:
            where, what = bad
            raise BodyError(
                f"JSON strings may not contain {what}; found one at {where}.",
                [{"field": where, "message": f"may not contain {what}"}],
            )
        return data


def strict_loads(text: str) -> Any:
    """JSON text as Python, refusing NaN/Infinity and numbers past a float's range (ValueError):
    jsonb cannot store them."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; 1e999 would be infinity, which jsonb cannot store."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


class BoundedMultiPartParser(MultiPartParser):
    """Refuses a body whose declared Content-Length is over the view's `upload_limit()` (bytes,
    field) with a 413 naming the field, before reading any of it."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        view = (parser_context or {}).get("view")
        limit_of = getattr(view, "upload_limit", None)
        limit, field = limit_of() if limit_of is not None else (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, None)
        if limit is not None and declared_length(parser_context) > limit:
            raise too_large(f"The upload ({field})" if field else "The request body", limit, field)
        return super().parse(stream, media_type, parser_context)


class BoundedFormParser(FormParser):
    """A url-encoded form of at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes (DRF reads it whole)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and declared_length(parser_context) > limit:
            raise too_large("The request body", limit, None)
        return super().parse(stream, media_type, parser_context)
