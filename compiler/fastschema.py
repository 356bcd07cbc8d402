"""A conservative fast path for the simple JSON Schemas module parameters almost always use.

`fast_check(schema)` returns a predicate that answers True only when the value is certainly valid
(type/enum/const/bounds/lengths/pattern), or None when the schema uses anything else. A False
answer means "ask jsonschema", which then gives the real verdict and its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset({"default", "title", "description", "examples", "format", "$comment", "deprecated"})
SUPPORTED = ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
}
TYPE_NAMES = frozenset({"string", "integer", "number", "boolean", "null"})
NUMBER_TYPES = (int, float)
_MISSING = object()


def _is_number(value: Any) -> bool:
    return type(value) in NUMBER_TYPES


def _python_types(names: list[str]) -> frozenset[type]:
    """The exact Python types (as json.loads produces them) that certainly satisfy `type`."""
    out: set[type] = set()
    for name in names:
        if name == "string":
            out.add(str)
        elif name == "integer":
            out.add(int)
        elif name == "number":
            out.update((int, float))
        elif name == "boolean":
            out.add(bool)
        elif name == "null":
            out.add(type(None))
    return frozenset(out)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def fast_check(schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(schema, Mapping) or not set(schema) <= SUPPORTED:
        return None
    types: frozenset[type] | None = None
    if "type" in schema:
        wanted = schema["type"]
        names = [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(names, list) or not all(isinstance(n, str) and n in TYPE_NAMES for n in names):
            return None
        types = _python_types(names)
    enum: list[Any] | None = None
    if "enum" in schema:
        if not isinstance(schema["enum"], list):
            return None
        enum = schema["enum"]
    const = schema.get("const", _MISSING)
    bounds = [schema.get(k) for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")]
    if any(b is not None and not _is_number(b) for b in bounds):
        return None
    lo, hi, xlo, xhi = bounds
    has_bounds = any(b is not None for b in bounds)
    lengths = [schema.get(k) for k in ("minLength", "maxLength")]
    if any(n is not None and type(n) is not int for n in lengths):
        return None
    min_len, max_len = lengths
    regex = None
    if "pattern" in schema:
        try:
            regex = re.compile(schema["pattern"])
        except (re.error, TypeError):
            return None
    has_text = min_len is not None or max_len is not None or regex is not None

    def check(v: Any) -> bool:
        t = type(v)
        if types is not None and t not in types:
            return False
        if enum is not None and not any(_same(v, o) for o in enum):
            return False
        if const is not _MISSING and not _same(v, const):
            return False
        if has_bounds and (t is int or t is float):
            if lo is not None and v < lo:
                return False
            if hi is not None and v > hi:
                return False
            if xlo is not None and v <= xlo:
                return False
            if xhi is not None and v >= xhi:
                return False
        if has_text and t is str:
            if min_len is not None and len(v) < min_len:
                return False
            if max_len is not None and len(v) > max_len:
                return False
            if regex is not None and regex.search(v) is None:
                return False
        return True

    return check
