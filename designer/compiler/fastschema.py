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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _bound_check(key: str, bound: float) -> Check:
    def check(v: Any) -> bool:
        if not _is_number(v):
            return True
        if key == "minimum":
            return bool(v >= bound)
        if key == "maximum":
            return bool(v <= bound)
        if key == "exclusiveMinimum":
            return bool(v > bound)
        return bool(v < bound)

    return check


def _length_check(key: str, limit: int) -> Check:
    def check(v: Any) -> bool:
        if not isinstance(v, str):
            return True
        return len(v) >= limit if key == "minLength" else len(v) <= limit

    return check


def fast_check(schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(schema, Mapping) or not set(schema) <= SUPPORTED:
        return None
    checks: list[Check] = []
    if "type" in schema:
        wanted = schema["type"]
        names = [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(names, list) or not all(isinstance(n, str) and n in TYPES for n in names):
            return None
        preds = [TYPES[n] for n in names]
        checks.append(lambda v: any(p(v) for p in preds))
    if "enum" in schema:
        options = schema["enum"]
        if not isinstance(options, list):
            return None
        checks.append(lambda v: any(_same(v, o) for o in options))
    if "const" in schema:
        const = schema["const"]
        checks.append(lambda v: _same(v, const))
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in schema:
            bound = schema[key]
            if not _is_number(bound):
                return None
            checks.append(_bound_check(key, bound))
    for key in ("minLength", "maxLength"):
        if key in schema:
            limit = schema[key]
            if not isinstance(limit, int) or isinstance(limit, bool):
                return None
            checks.append(_length_check(key, limit))
    if "pattern" in schema:
        try:
            regex = re.compile(schema["pattern"])
        except (re.error, TypeError):
            return None
        checks.append(lambda v: not isinstance(v, str) or regex.search(v) is not None)
    return lambda v: all(c(v) for c in checks)
