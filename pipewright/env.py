"""Tiny typed readers for settings from the environment. They fail loudly on a bad value."""

from __future__ import annotations

import os
import re

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
