"""Compute settings: a node's (and the pipeline's default) image, cpu, memory, GPU count, timeout,
retries and caching, read from the document's optional `compute` objects and applied over the
module's own runtime.

    {"image": "team/img:2", "cpu": 2, "memory": "4Gi", "gpus": 1, "timeout": 3600, "retries": 2,
     "cache": "on" | "off", "cache_max_age": 86400}

Every key is optional; a node's value wins over the pipeline's (top-level `compute`), which wins
over the module version's runtime. The operator bounds cpu and memory (`ComputeLimits`); a value
above a bound is an error naming the field. Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from compiler.plan import Runtime

FIELDS = ("image", "cpu", "memory", "gpus", "timeout", "retries", "cache", "cache_max_age")
MAX_RETRIES = 10
MAX_TIMEOUT = 7 * 24 * 3600
IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}")
MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?)?B?", re.IGNORECASE)
# as a module spec's runtime.resources.memory (modules.spec) and Docker: every unit is binary
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
MIN_MEMORY = 4 * 1024**2  # Docker refuses less than 6 MB; ask for a sensible floor


@dataclass(frozen=True)
class ComputeLimits:
    """The operator's bounds (None: unbounded)."""

    max_cpu: float | None = None
    max_memory_bytes: int | None = None


def parse_memory(value: Any) -> int | None:
    """Bytes from an integer or a string like "512m", "4Gi", "1.5G" (binary units, as Docker and a
    module spec read them: 1g = 1Gi = 1024**3); None when not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    m = MEMORY.fullmatch(value.strip())
    if m is None:
        return None
    unit = (m.group(2) or "").lower().removesuffix("i")
    return int(float(m.group(1)) * UNITS[unit])


def _describe(value: Any) -> str:
    return repr(value) if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# (key, lowest, highest or None, what a valid value is) of the integer settings
INTEGER_SETTINGS: tuple[tuple[str, int, int | None, str], ...] = (
    ("gpus", 0, 64, "a GPU count (an integer from 0 to 64)"),
    ("timeout", 1, MAX_TIMEOUT, f"a timeout in seconds (1 to {MAX_TIMEOUT})"),
    ("retries", 0, MAX_RETRIES, f"a retry count (0 to {MAX_RETRIES})"),
    ("cache_max_age", 1, None, "a maximum age in seconds (a positive integer)"),
)


def read_compute(raw: Any, limits: ComputeLimits) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A `compute` object's settings, normalized (memory in bytes, cache as a bool), and the
    problems as (field, message) with field "compute.<key>"."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [("compute", f"must be an object, not {type(raw).__name__}")]
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []

    def bad(key: str, message: str) -> None:
        problems.append((f"compute.{key}", message))

    for key in sorted(set(raw) - set(FIELDS)):
        bad(key, f"unknown setting; use {', '.join(FIELDS)}")
    if "image" in raw and raw["image"] is not None:
        image = raw["image"]
        if not isinstance(image, str) or not IMAGE.fullmatch(image):
            bad("image", f"{_describe(image)} is not an image reference such as 'pipewright/python-ml:1'")
        else:
            out["image"] = image
    if "cpu" in raw and raw["cpu"] is not None:
        cpu = raw["cpu"]
        if not _number(cpu) or cpu <= 0:
            bad("cpu", f"{_describe(cpu)} is not a positive number of CPUs")
        elif limits.max_cpu is not None and cpu > limits.max_cpu:
            bad("cpu", f"{cpu} CPUs is above this installation's limit of {limits.max_cpu:g}")
        else:
            out["cpu"] = float(cpu)
    if "memory" in raw and raw["memory"] is not None:
        memory = parse_memory(raw["memory"])
        if memory is None:
            bad("memory", f"{_describe(raw['memory'])} is not a size; use bytes or a unit: '512m', '4g', '4Gi'")
        elif memory < MIN_MEMORY:
            bad("memory", f"{_describe(raw['memory'])} is below the minimum of 4Mi")
        elif limits.max_memory_bytes is not None and memory > limits.max_memory_bytes:
            bad(
                "memory",
                f"{_describe(raw['memory'])} is above this installation's limit of {limits.max_memory_bytes} bytes",
            )
        else:
            out["memory_bytes"] = memory
    for key, low, high, what in INTEGER_SETTINGS:
        value = raw.get(key)
        if value is None:
            continue
        if not _int(value) or value < low or (high is not None and value > high):
            bad(key, f"{_describe(value)} is not {what}")
        else:
            out[key] = value
    if "cache" in raw and raw["cache"] is not None:
        cache = raw["cache"]
        if cache not in ("on", "off"):
            bad("cache", f"{_describe(cache)} is not 'on' or 'off'")
        else:
            out["cache"] = cache == "on"
    return out, problems


def apply(runtime: Runtime, *settings: dict[str, Any]) -> Runtime:
    """The module's runtime with each settings dict applied in turn (later ones win)."""
    merged: dict[str, Any] = {}
    for s in settings:
        merged.update(s)
    return replace(runtime, **merged) if merged else runtime
