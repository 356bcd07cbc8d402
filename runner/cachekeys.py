"""Cache keys: sha256 over the module digest, the resolved parameters and the input content hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compiler.plan import Step
from runner.models import StepRun


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def cache_key(digest: str, params: dict[str, Any], input_hashes: dict[str, str], image: str | None = None) -> str:
    """The sha256 of what decides a step's outputs: the module version (its files and interface),
    the resolved parameters, the input contents and, when given, the image it runs in: the image's
    content digest (an override or a rebuilt image re-tagged under the same name is another key),
    or its tag where the backend has no digest (local compute).

    cpu, memory, GPU count, timeout and retries are not ingredients: they decide whether and how
    fast a step finishes, not what a deterministic step writes, so changing them reuses the cache."""
    ingredients: dict[str, Any] = {"module": digest, "params": params, "inputs": input_hashes}
    if image is not None:
        ingredients["image"] = image
    text = canonical(ingredients)
    return hashlib.sha256(text.encode()).hexdigest()


def input_hashes(step: Step, by_node: dict[str, StepRun]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for b in step.inputs:
        if b.source_node is not None:
            hashes[b.port] = by_node[b.source_node].outputs.get(b.source_port or "", "")
        elif b.artifact:
            hashes[b.port] = b.artifact
    return hashes
