"""What the compiler needs to know about the catalog and datasets, as pure data.

The Django side provides implementations (`modules.lookup.DbCatalog`, the pipelines app's
dataset lookup); tests use in-memory ones. Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from compiler.plan import Runtime
from compiler.versions import preferred_version

PORT_TYPES = ("DataFrame", "Model", "Metrics", "Image", "File", "Any")


@dataclass(frozen=True)
class PortSpec:
    name: str
    type: str
    optional: bool = False
    description: str = ""
    renamed_from: tuple[str, ...] = ()  # earlier names of this port (the upgrade assistant maps them)
    columns_from: str | None = None  # an output: its table has the columns of this input (split, clean)


@dataclass(frozen=True)
class ModuleInfo:
    """One published version of a module, as the compiler sees it."""

    ref: str  # "team/name"
    version: str  # "1.2.0"
    module_version_id: int
    status: str  # active | deprecated | disabled
    digest: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    parameters: Mapping[str, Mapping[str, Any]]  # JSON Schema per parameter
    runtime: Runtime
    deterministic: bool = True
    display_name: str = ""
    category: str = ""
    deprecation_message: str = ""
    successor: str | None = None  # a version string of the same module


@dataclass(frozen=True)
class ModuleVersions:
    """Every version of one module plus its default (None when unset)."""

    ref: str
    versions: tuple[ModuleInfo, ...]
    default_version: str | None = None


@dataclass(frozen=True)
class DatasetInfo:
    ref: str  # "team/name"
    version: int
    artifact: str  # sha256 of the content
    columns: tuple[str, ...] = field(default=())


class Catalog(Protocol):
    def module(self, ref: str) -> ModuleVersions | None:
        """All versions of `team/name`, or None when it does not exist or is not visible."""


@runtime_checkable
class ExplainsUnknown(Protocol):
    """Optional for a catalog: the text after "Node 'x'" when `module(ref)` is None (e.g. naming
    the team the module is not shared with)."""

    def unknown_module(self, ref: str) -> str: ...


class Datasets(Protocol):
    def dataset(self, ref: str, version: int | None) -> DatasetInfo | None:
        """A dataset version (latest when `version` is None), or None when unknown/invisible."""


def resolve_version(mod: ModuleVersions, requested: str | None) -> tuple[ModuleInfo | None, str | None]:
    """The catalog's resolution rule for new pipelines.

    Explicit version, else the default, else the highest active version. Returns (info, error);
    a disabled version never resolves. Deprecated versions resolve (the compiler warns).
    """
    by_version = {v.version: v for v in mod.versions}
    if requested is not None:
        info = by_version.get(requested)
        if info is None:
            return None, f"{mod.ref} has no version {requested}"
        if info.status == "disabled":
            return None, f"{mod.ref}@{requested} is disabled"
        return info, None
    chosen = preferred_version(((v.version, v.status) for v in mod.versions), mod.default_version)
    if chosen is None:
        return None, f"{mod.ref} has no active version"
    return by_version[chosen], None
