"""A JSON parser that turns bodies the database cannot hold into a 400 instead of a 500: absurdly
nested documents (RecursionError) and NUL characters (PostgreSQL text and jsonb refuse them)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def find_nul(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) holding a NUL character, or None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where or "(the body)"
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    return f"{where}.{key!r}" if where else repr(key)
                stack.append((child, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.")
        where = find_nul(data)
        if where is not None:
            raise ParseError(f"JSON strings may not contain NUL (\\u0000) characters; found one at {where}.")
        return data
