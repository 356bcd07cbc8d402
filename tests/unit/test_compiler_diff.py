"""The structured diff of two pinned graphs."""

from __future__ import annotations

from compiler.diff import diff


def test_it_diffs_nodes_edges_parameters_and_versions() -> None:
    a = {
        "nodes": [
            {"id": "x", "module": "t/m", "version": "1.0.0", "params": {"k": 1}},
            {"id": "gone", "dataset": "t/d", "version": 1},
        ],
        "edges": [{"source": "gone", "source_port": "data", "target": "x", "target_port": "in"}],
        "parameters": [{"name": "p", "type": "number", "default": 1}, {"name": "old", "type": "string"}],
    }
    b = {
        "nodes": [
            {"id": "x", "module": "t/m", "version": "2.0.0", "params": {"k": 2, "j": 1}, "label": "X"},
            {"id": "new", "module": "t/n", "version": "1.0.0"},
        ],
        "edges": [{"source": "new", "source_port": "out", "target": "x", "target_port": "in"}],
        "parameters": [{"name": "p", "type": "number", "default": 2}, {"name": "fresh", "type": "string"}],
    }
    out = diff(a, b)
    assert out["nodes"] == {
        "added": ["new"],
        "removed": ["gone"],
        "changed": [{"id": "x", "fields": ["label", "params.j", "params.k", "version"]}],
    }
    assert out["edges"]["added"] == [{"source": "new", "source_port": "out", "target": "x", "target_port": "in"}]
    assert out["edges"]["removed"] == [{"source": "gone", "source_port": "data", "target": "x", "target_port": "in"}]
    assert out["parameters"] == {
        "added": ["fresh"],
        "removed": ["old"],
        "changed": [{"name": "p", "fields": ["default"]}],
    }
    assert out["module_versions"] == [{"node": "x", "module": "t/m", "from": "1.0.0", "to": "2.0.0"}]


def test_identical_documents_have_an_empty_diff() -> None:
    doc = {"nodes": [{"id": "x", "module": "t/m", "version": "1.0.0"}], "edges": [], "parameters": []}
    out = diff(doc, doc)
    assert out["nodes"] == {"added": [], "removed": [], "changed": []}
    assert out["module_versions"] == [] and out["edges"] == {"added": [], "removed": []}


def test_it_tolerates_malformed_documents() -> None:
    out = diff(None, {"nodes": [3, {"id": "a"}], "edges": "x", "parameters": [1]})
    assert out["nodes"]["added"] == ["a"]
