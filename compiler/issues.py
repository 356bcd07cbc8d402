"""Errors and warnings the compiler reports, each naming its place (node, port, field)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    node: str | None = None
    port: str | None = None
    field: str | None = None
    nodes: tuple[str, ...] = ()  # every node involved (cycles), for the canvas to highlight
    path: tuple[str, ...] = ()  # inside a sub-pipeline: the nesting, outer node first (compiler.nesting)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.node is not None:
            out["node"] = self.node
        if self.port is not None:
            out["port"] = self.port
        if self.field is not None:
            out["field"] = self.field
        if self.nodes:
            out["nodes"] = list(self.nodes)
        if self.path:
            out["path"] = list(self.path)
        return out


# Error codes
MALFORMED = "malformed"
UNSUPPORTED_SCHEMA = "unsupported_schema"
DUPLICATE_NODE = "duplicate_node"
UNKNOWN_MODULE = "unknown_module"
UNKNOWN_VERSION = "unknown_version"
DISABLED_VERSION = "disabled_version"
NO_USABLE_VERSION = "no_usable_version"
CYCLE = "cycle"
MISSING_INPUT = "missing_input"
DUPLICATE_INPUT = "duplicate_input"
UNKNOWN_NODE = "unknown_node"
UNKNOWN_PORT = "unknown_port"
TYPE_MISMATCH = "type_mismatch"
UNKNOWN_PARAMETER = "unknown_parameter"
MISSING_PARAMETER = "missing_parameter"
INVALID_PARAMETER = "invalid_parameter"
UNDEFINED_PIPELINE_PARAMETER = "undefined_pipeline_parameter"
DUPLICATE_PIPELINE_PARAMETER = "duplicate_pipeline_parameter"
INVALID_PIPELINE_PARAMETER_DEFAULT = "invalid_pipeline_parameter_default"
UNKNOWN_DATASET = "unknown_dataset"
INVALID_COMPUTE = "invalid_compute"
UNKNOWN_DATASET_VERSION = "unknown_dataset_version"
UNKNOWN_COLUMN = "unknown_column"
INVALID_CONDITION = "invalid_condition"
EXIT_FEEDS_STEP = "exit_feeds_step"
UNKNOWN_PIPELINE = "unknown_pipeline"
NESTING_LOOP = "nesting_loop"
PIPELINE_INPUT = "pipeline_input"
INVALID_FOREACH = "invalid_foreach"

# Warning codes
DEPRECATED_VERSION = "deprecated_version"
NEWER_VERSION = "newer_version"
