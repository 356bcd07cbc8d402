"""List filters read from the query string: a value that cannot be one is a 400 naming the
parameter (never a 500, never silently ignored). An absent or empty parameter does not filter."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.request import Request

from pipewright.errors import LocatedError


def text(request: Request, name: str) -> str:
    """The stripped value of `name`, "" when absent."""
    return str(request.query_params.get(name, "")).strip()


def integer_id(request: Request, name: str) -> int | None:
    """An integer id (`?pipeline=12`), or None when absent."""
    raw = text(request, name)
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise LocatedError(f"{name} must be an id.", [{"field": name, "message": "must be an integer id"}])
    return int(raw)


def choices(request: Request, name: str, allowed: Iterable[str]) -> list[str]:
    """Comma-separated values of `name`, each one of `allowed` (`?status=queued,running`)."""
    raw = text(request, name)
    if not raw:
        return []
    known = list(allowed)
    values = [v.strip() for v in raw.split(",") if v.strip()]
    unknown = [v for v in values if v not in known]
    if unknown:
        raise LocatedError(
            f"{name} {unknown[0]!r} is not one of {', '.join(known)}.",
            [{"field": name, "message": f"unknown value {unknown[0]!r}; one of {', '.join(known)}"}],
        )
    return values
