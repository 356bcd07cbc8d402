"""Tiny typed readers for settings from the environment. They fail loudly on a bad value."""

from __future__ import annotations

import os
import re

from compiler.compute import parse_memory

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_directives(name: str) -> dict[str, list[str]]:
    """Policy directives like a Content-Security-Policy header: `img-src https://a https://b;
    connect-src https://c` -> {"img-src": ["https://a", "https://b"], "connect-src": [...]}."""
    raw = os.environ.get(name, "")
    directives: dict[str, list[str]] = {}
    for part in raw.split(";"):
        words = part.split()
        if not words:
            continue
        directive, *sources = words
        if not re.fullmatch(r"[a-z][a-z-]*", directive) or any("," in s for s in sources):
            raise ValueError(f"{name}={raw!r}: {part.strip()!r} is not a policy directive (`name source ...; ...`)")
        directives.setdefault(directive, []).extend(sources)
    return directives


def env_float(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


def env_memory(name: str, default: int | None) -> int | None:
    """Bytes from a size such as '16Gi', '512M' or a plain number."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    found = parse_memory(int(raw) if raw.strip().isdigit() else raw)
    if found is None:
        raise ValueError(f"{name}={raw!r} is not a size (bytes, or a unit: '512m', '16g')")
    return found


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices` (case-insensitive); anything else fails loudly at start."""
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in choices:
        raise ValueError(f"{name}={raw!r} is not one of {', '.join(choices)}")
    return raw
