"""DbCatalog (the compiler's catalog) and module_files (the runner's mount of /module)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from compiler.catalog import resolve_version
from modules.lookup import DbCatalog, module_files
from tests.api.modules_helpers import builtin_team, make_module


def test_it_describes_every_version_for_the_compiler(alice: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0", "1.1.0"), default="1.0.0")
    mod = DbCatalog(alice).module("acme/split-data")
    assert mod is not None
    assert mod.default_version == "1.0.0"
    assert sorted(v.version for v in mod.versions) == ["1.0.0", "1.1.0"]
    info, error = resolve_version(mod, None)
    assert error is None and info is not None
    assert info.version == "1.0.0" and info.ref == "acme/split-data"
    assert [(p.name, p.type) for p in info.outputs] == [("train", "DataFrame"), ("test", "DataFrame")]
    assert info.parameters["test_size"]["default"] == 0.2
    assert info.runtime.image == "pipewright/python-ml:1"
    assert info.runtime.command == ("python3", "/module/main.py")
    assert (info.runtime.cpu, info.runtime.memory_bytes, info.runtime.timeout) == (1.0, 1024**3, 600)
    assert info.category == "Data Transformation" and len(info.digest) == 64
    assert module_files(info.module_version_id) == {"main.py": "print('1.0.0')\n"}


def test_it_sees_own_teams_and_builtin_only(alice: Any, acme: Any, other: Any) -> None:
    make_module(other, "secret")
    make_module(builtin_team(), "import-data")
    catalog = DbCatalog(alice)
    assert catalog.module("other/secret") is None
    assert catalog.module("builtin/import-data") is not None
    assert catalog.module("not-a-ref") is None
    assert catalog.module("acme/missing") is None


def test_it_preloads_a_big_graph_in_two_queries(alice: Any, acme: Any) -> None:
    refs = []
    for i in range(20):
        make_module(acme, f"m-{i}", ("1.0.0", "1.1.0"))
        refs.append(f"acme/m-{i}")
    catalog = DbCatalog(alice)
    catalog.module("acme/m-0")  # the user's roles are cached after the first lookup
    catalog = DbCatalog(alice)
    nodes = [refs[i % 20] for i in range(2000)] + ["acme/unknown"]
    with CaptureQueriesContext(connection) as queries:
        catalog.preload(nodes)
        found = [catalog.module(r) for r in nodes]
    assert len(queries) == 2
    assert sum(1 for f in found if f is None) == 1
    assert all(len(f.versions) == 2 for f in found if f is not None)
