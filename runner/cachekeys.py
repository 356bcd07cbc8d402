"""Cache keys: sha256 over the module digest, the resolved parameters and the input content hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compiler.plan import Step
from runner.models import StepRun


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def cache_key(digest: str, params: dict[str, Any], input_hashes: dict[str, str]) -> str:
    text = canonical({"module": digest, "params": params, "inputs": input_hashes})
    return hashlib.sha256(text.encode()).hexdigest()


def input_hashes(step: Step, by_node: dict[str, StepRun]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for b in step.inputs:
        if b.source_node is not None:
            hashes[b.port] = by_node[b.source_node].outputs.get(b.source_port or "", "")
        elif b.artifact:
            hashes[b.port] = b.artifact
    return hashes
