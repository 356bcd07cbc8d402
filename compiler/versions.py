"""Version rules of the catalog, owned here once: the order of versions and which one a new node gets.

The compiler resolves with them, the catalog API reports their answer (`preferred_version`), and
the front end shows that answer instead of deciding again.
"""

from __future__ import annotations

from collections.abc import Iterable


def version_key(version: str) -> tuple[int, ...]:
    """Semantic-version sort key: '1.10.0' > '1.9.2'; pre-release tags sort before the release."""
    core, _, pre = version.partition("-")
    parts = tuple(int(p) if p.isdigit() else 0 for p in core.split("."))
    return (*parts, 0 if pre else 1)


def preferred_version(versions: Iterable[tuple[str, str]], default: str | None) -> str | None:
    """The version a node without a pinned version resolves to, from (version, status) pairs: the
    module's default unless it is disabled, else the highest active version, else None."""
    statuses = dict(versions)
    if default is not None and statuses.get(default, "disabled") != "disabled":
        return default
    active = [v for v, status in statuses.items() if status == "active"]
    return max(active, key=version_key) if active else None
