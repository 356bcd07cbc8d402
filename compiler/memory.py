"""In-memory Catalog and Datasets, for tests, benchmarks and tools."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.catalog import DatasetInfo, ModuleInfo, ModuleVersions, PortSpec
from compiler.nesting import PipelineInfo
from compiler.plan import Runtime


class MemoryCatalog:
    def __init__(self, modules: Iterable[ModuleVersions] = ()) -> None:
        self.modules = {m.ref: m for m in modules}

    def add(self, versions: Iterable[ModuleInfo], default_version: str | None = None) -> ModuleVersions:
        items = tuple(versions)
        mod = ModuleVersions(ref=items[0].ref, versions=items, default_version=default_version)
        self.modules[mod.ref] = mod
        return mod

    def module(self, ref: str) -> ModuleVersions | None:
        return self.modules.get(ref)


class MemoryDatasets:
    def __init__(self, datasets: Iterable[DatasetInfo] = ()) -> None:
        self.versions: dict[str, dict[int, DatasetInfo]] = {}
        for d in datasets:
            self.versions.setdefault(d.ref, {})[d.version] = d

    def dataset(self, ref: str, version: int | None) -> DatasetInfo | None:
        found = self.versions.get(ref)
        if not found:
            return None
        if version is None:
            return found[max(found)]
        return found.get(version)


def module_info(
    ref: str,
    version: str = "1.0.0",
    *,
    inputs: Iterable[tuple[str, str] | tuple[str, str, bool]] = (),
    outputs: Iterable[tuple[str, str]] = (),
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    status: str = "active",
    deprecation_message: str = "",
    successor: str | None = None,
    deterministic: bool = True,
    module_version_id: int | None = None,
) -> ModuleInfo:
    """A ModuleInfo with sensible defaults; an input given as (name, type, True) is optional."""
    ins = tuple(PortSpec(p[0], p[1], optional=bool(p[2]) if len(p) > 2 else False) for p in inputs)
    outs = tuple(PortSpec(name, ptype) for name, ptype in outputs)
    digest = hashlib.sha256(f"{ref}@{version}".encode()).hexdigest()
    return ModuleInfo(
        ref=ref,
        version=version,
        module_version_id=module_version_id if module_version_id is not None else int(digest[:8], 16),
        status=status,
        digest=digest,
        inputs=ins,
        outputs=outs,
        parameters=dict(parameters or {}),
        runtime=Runtime(image="pipewright/python-ml:1", command=("python", f"/module/{ref.split('/')[-1]}.py")),
        deterministic=deterministic,
        deprecation_message=deprecation_message,
        successor=successor,
    )


def sample_catalog() -> MemoryCatalog:
    """A small catalog covering every port type and a versioned module with a lifecycle."""
    catalog = MemoryCatalog()
    catalog.add([module_info("builtin/source", outputs=[("data", "DataFrame")])])
    catalog.add(
        [
            module_info(
                "builtin/split-data",
                inputs=[("data", "DataFrame")],
                outputs=[("train", "DataFrame"), ("test", "DataFrame")],
                parameters={
                    "test_size": {"type": "number", "default": 0.2, "minimum": 0, "maximum": 1},
                    "seed": {"type": "integer", "default": 42},
                },
            )
        ]
    )
    catalog.add(
        [
            module_info(
                "builtin/train",
                inputs=[("train", "DataFrame")],
                outputs=[("model", "Model")],
                parameters={"target": {"type": "string"}, "max_depth": {"type": "integer", "default": 3}},
            )
        ]
    )
    catalog.add(
        [
            module_info(
                "builtin/evaluate",
                inputs=[("model", "Model"), ("test", "DataFrame"), ("extra", "Any", True)],
                outputs=[("metrics", "Metrics")],
            )
        ]
    )
    catalog.add(
        [
            module_info(
                "builtin/merge",
                inputs=[("left", "DataFrame"), ("right", "DataFrame", True)],
                outputs=[("data", "DataFrame")],
            )
        ]
    )
    catalog.add([module_info("builtin/any", inputs=[("in", "Any")], outputs=[("out", "Any")])])
    catalog.add([module_info("builtin/file", inputs=[("file", "File")], outputs=[("file", "File")])])
    catalog.add(
        [
            module_info(
                "builtin/clean",
                "1.0.0",
                inputs=[("data", "DataFrame")],
                outputs=[("data", "DataFrame")],
                status="deprecated",
                deprecation_message="drops rows silently",
                successor="2.0.0",
            ),
            module_info("builtin/clean", "1.5.0", inputs=[("data", "DataFrame")], outputs=[("data", "DataFrame")]),
            module_info(
                "builtin/clean",
                "2.0.0",
                inputs=[("data", "DataFrame")],
                outputs=[("data", "DataFrame")],
                parameters={"mode": {"type": "string", "enum": ["drop", "fill"], "default": "fill"}},
            ),
            module_info(
                "builtin/clean",
                "3.0.0",
                inputs=[("data", "DataFrame")],
                outputs=[("data", "DataFrame")],
                status="disabled",
            ),
        ],
        default_version="2.0.0",
    )
    return catalog


def sample_datasets() -> MemoryDatasets:
    return MemoryDatasets(
        [
            DatasetInfo("acme/iris", 1, "a" * 64, ("sepal", "species")),
            DatasetInfo("acme/iris", 2, "b" * 64, ("sepal", "petal", "species")),
        ]
    )


class MemoryPipelines:
    """Sub-pipelines for tests: `add(id, name, graph)` appends a version (1, 2, ...)."""

    def __init__(self) -> None:
        self.versions: dict[int, list[tuple[str, dict[str, Any]]]] = {}

    def add(self, pipeline_id: int, name: str, graph: dict[str, Any]) -> int:
        self.versions.setdefault(pipeline_id, []).append((name, graph))
        return len(self.versions[pipeline_id])

    def pipeline(self, pipeline_id: int, version: int | None) -> PipelineInfo | None:
        found = self.versions.get(pipeline_id)
        if not found:
            return None
        number = version if version is not None else len(found)
        if not 1 <= number <= len(found):
            return None
        name, graph = found[number - 1]
        return PipelineInfo(pipeline_id, name, number, graph, len(found))
