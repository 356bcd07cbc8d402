#!/usr/bin/env python
"""Compile a 2,000-node pipeline (chains and fan-in) against an in-memory catalog.

Prints the median compile time over several runs and, as the floor, a plain Kahn topological sort
of the same graph measured in the same run, plus the ratio. The target is <= 150 ms per compile.
"""

from __future__ import annotations

import gc
import heapq
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compiler import compile
from compiler.catalog import DatasetInfo
from compiler.memory import MemoryCatalog, MemoryDatasets, module_info

NODES = 2000
RUNS = 15
BUDGET_MS = 150.0


def catalog() -> MemoryCatalog:
    cat = MemoryCatalog()
    cat.add(
        [
            module_info(
                "bench/transform",
                inputs=[("data", "DataFrame")],
                outputs=[("data", "DataFrame")],
                parameters={
                    "ratio": {"type": "number", "default": 0.5, "minimum": 0, "maximum": 1},
                    "mode": {"type": "string", "enum": ["a", "b", "c"], "default": "a"},
                },
            )
        ]
    )
    cat.add(
        [
            module_info(
                "bench/join",
                inputs=[("left", "DataFrame"), ("right", "DataFrame"), ("extra", "Any", True)],
                outputs=[("data", "DataFrame")],
                parameters={"how": {"type": "string", "default": "inner"}},
            ),
            module_info(
                "bench/join",
                "2.0.0",
                inputs=[("left", "DataFrame"), ("right", "DataFrame"), ("extra", "Any", True)],
                outputs=[("data", "DataFrame")],
                parameters={"how": {"type": "string", "default": "inner"}},
            ),
        ],
        default_version="2.0.0",
    )
    return cat


def graph(n: int = NODES, seed: int = 7) -> dict[str, Any]:
    """Chains of transforms, joined pairwise by fan-in nodes; ids shuffled so order is real work."""
    rnd = random.Random(seed)
    nodes: list[dict[str, Any]] = [{"id": "d0", "dataset": "bench/data", "version": None, "position": {"x": 0, "y": 0}}]
    edges: list[dict[str, str]] = []
    ids = [f"n{i:05d}" for i in range(n)]
    rnd.shuffle(ids)
    tails: list[str] = []
    for i in range(n):
        node_id = ids[i]
        if len(tails) >= 2 and rnd.random() < 0.25:
            left = tails.pop(rnd.randrange(len(tails)))
            right = tails.pop(rnd.randrange(len(tails)))
            nodes.append(
                {
                    "id": node_id,
                    "module": "bench/join",
                    "version": None,
                    "params": {"how": "left"},
                    "position": {"x": i, "y": 0},
                }
            )
            edges.append({"source": left, "source_port": "data", "target": node_id, "target_port": "left"})
            edges.append({"source": right, "source_port": "data", "target": node_id, "target_port": "right"})
        else:
            nodes.append(
                {
                    "id": node_id,
                    "module": "bench/transform",
                    "version": None,
                    "params": {"ratio": rnd.random(), "mode": "b"},
                    "position": {"x": i, "y": 1},
                }
            )
            source = tails.pop(rnd.randrange(len(tails))) if tails and rnd.random() < 0.9 else "d0"
            edges.append({"source": source, "source_port": "data", "target": node_id, "target_port": "data"})
        tails.append(node_id)
    rnd.shuffle(nodes)
    return {"schema": 1, "nodes": nodes, "edges": edges, "parameters": []}


def floor_toposort(doc: dict[str, Any]) -> list[str]:
    """The floor: Kahn with sorted ties over the same nodes and edges, nothing else."""
    ids = [n["id"] for n in doc["nodes"] if "module" in n]
    indegree = dict.fromkeys(ids, 0)
    succ: dict[str, list[str]] = {}
    for e in doc["edges"]:
        if e["source"] in indegree:
            succ.setdefault(e["source"], []).append(e["target"])
            indegree[e["target"]] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for t in succ.get(n, ()):
            indegree[t] -= 1
            if indegree[t] == 0:
                heapq.heappush(ready, t)
    return order


def timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    doc = graph()
    cat = catalog()
    datasets = MemoryDatasets([DatasetInfo("bench/data", 1, "0" * 64)])
    result = compile(doc, cat, datasets)
    if result.errors or result.plan is None:
        raise SystemExit(f"bench graph does not compile: {result.errors[:3]}")
    assert [s.node for s in result.plan.steps] == floor_toposort(doc)
    compile_times = timed(lambda: compile(doc, cat, datasets), RUNS)
    floor_times = timed(lambda: floor_toposort(doc), RUNS)
    compile_ms, floor_ms = statistics.median(compile_times), statistics.median(floor_times)
    steps = len(result.plan.steps)
    print(f"compile: {len(doc['nodes'])} nodes, {len(doc['edges'])} edges -> {steps} steps")
    print(
        f"compile median of {RUNS}: {compile_ms:.1f} ms, best {min(compile_times):.1f} ms (budget {BUDGET_MS:.0f} ms)"
    )
    print(f"floor (plain topological sort, same graph) median: {floor_ms:.2f} ms, best {min(floor_times):.2f} ms")
    print(f"ratio compile/floor: {compile_ms / floor_ms:.1f}x")
    print("OK" if compile_ms <= BUDGET_MS else "OVER BUDGET")


if __name__ == "__main__":
    main()
