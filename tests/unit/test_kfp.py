"""Kubeflow component import/export (modules/kfp.py) and the adapter's placeholder resolution,
on component files written to the published KFP component specification (tests/kfp_components)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules import kfp
from modules import spec as specs

COMPONENTS = Path(__file__).resolve().parent.parent / "kfp_components"


def text(name: str) -> str:
    return (COMPONENTS / name).read_text()


def refused(name_or_text: str) -> list[dict[str, str]]:
    source = text(name_or_text) if name_or_text.endswith(".yaml") else name_or_text
    with pytest.raises(kfp.KfpError) as caught:
        kfp.import_component(source)
    return caught.value.errors


def test_v1_interface_maps_to_ports_and_parameters() -> None:
    spec, files = kfp.import_component(text("filter_rows_v1.yaml"))
    assert spec["name"] == "filter-rows" and spec["version"] == "1.0.0" and spec["category"] == "Kubeflow"
    assert spec["display_name"] == "Filter rows"
    assert spec["inputs"] == [{"name": "input_data", "type": "DataFrame", "description": "A CSV file with a header"}]
    assert spec["outputs"] == [{"name": "filtered_data", "type": "DataFrame"}, {"name": "row_count", "type": "File"}]
    params = spec["parameters"]
    assert list(params) == ["column", "threshold", "max_rows", "verbose"]
    assert params["column"] == {"type": "string", "title": "Column", "description": "Column to compare"}
    assert params["threshold"]["default"] == 0.5 and params["threshold"]["type"] == "number"
    assert params["max_rows"]["type"] == ["integer", "null"] and params["max_rows"]["default"] is None
    assert params["verbose"] == {"type": "boolean", "title": "Verbose", "default": False}
    assert spec["runtime"]["image"] == "pipewright/python-ml:1"
    assert spec["runtime"]["command"] == ["python3", "/module/kfp_adapter.py"]
    assert set(files) == {"kfp_adapter.py", "kfp.json", "component.yaml"}
    assert specs.validate_spec(spec) == spec
    template = json.loads(files["kfp.json"])
    assert template["ports"] == ["input_data"]
    assert template["output_files"] == {"filtered_data": "data.csv", "row_count": "data"}
    assert {"concat": ["--threshold=", {"inputValue": "threshold"}]} in template["args"]


def test_name_and_version_may_be_chosen() -> None:
    spec, _ = kfp.import_component(text("filter_rows_v1.yaml"), name="my-filter", version="2.1.0")
    assert (spec["name"], spec["version"]) == ("my-filter", "2.1.0")


def test_bad_name_and_version_are_refused_naming_them() -> None:
    with pytest.raises(kfp.KfpError) as caught:
        kfp.import_component(text("filter_rows_v1.yaml"), name="Bad Name", version="one")
    assert {e["field"] for e in caught.value.errors} == {"name", "version"}


def test_graph_components_are_refused() -> None:
    errors = refused("train_graph_v1.yaml")
    assert errors[0]["field"] == "implementation.graph"
    assert "graph components are not supported" in errors[0]["message"]


def test_uri_placeholders_are_refused_naming_the_argument() -> None:
    errors = refused("upload_uri_v1.yaml")
    assert errors == [
        {
            "field": "implementation.container.command[3].inputUri",
            "message": "URI placeholders are not supported: Pipewright passes files, use inputPath/outputPath",
        }
    ]


def test_unknown_names_and_fields_are_refused() -> None:
    doc = yaml.safe_load(text("filter_rows_v1.yaml"))
    doc["implementation"]["container"]["args"][1] = {"inputPath": "Nope"}
    doc["implementation"]["container"]["fileOutputs"] = {"x": "/tmp/x"}
    doc["inputs"][0]["unknown"] = 1
    fields = {e["field"] for e in refused(yaml.safe_dump(doc))}
    assert fields == {
        "implementation.container.args[1].inputPath",
        "implementation.container.fileOutputs",
        "inputs[0].unknown",
    }


def test_a_bad_default_names_it() -> None:
    doc = yaml.safe_load(text("filter_rows_v1.yaml"))
    doc["inputs"][2]["default"] = "half"
    assert [e["field"] for e in refused(yaml.safe_dump(doc))] == ["inputs[2].default"]


def test_not_yaml_and_not_a_mapping_name_yaml() -> None:
    assert refused("a: [")[0]["field"] == "yaml"
    assert refused("- just a list")[0]["field"] == "yaml"
    assert refused("name: 2001-02-30")[0]["field"] == "yaml"  # PyYAML raises ValueError on impossible dates


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep = "{concat: [" * 3000 + "{inputValue: x}" + "]}" * 3000
    source = f"inputs: [{{name: x}}]\nimplementation: {{container: {{image: i, command: [{deep}]}}}}\n"
    with pytest.raises(kfp.KfpError) as caught:
        kfp.import_component(source)
    assert caught.value.errors[0]["field"] in {"yaml", "spec"}


def test_v2_ir_component() -> None:
    spec, files = kfp.import_component(text("word_count_v2.yaml"))
    assert spec["name"] == "word-count"
    assert spec["inputs"] == [{"name": "text", "type": "DataFrame"}]
    assert spec["outputs"] == [{"name": "counts", "type": "DataFrame"}]
    assert spec["parameters"]["min_length"] == {"type": "integer", "title": "min_length", "default": 3}
    assert spec["parameters"]["uppercase"]["default"] is False
    template = json.loads(files["kfp.json"])
    assert template["style"] == "v2"
    assert template["args"][:3] == [
        "--text",
        {"inputPath": "text"},
        {"concat": ["--min-length=", {"inputValue": "min_length"}]},
    ]


def test_v2_lightweight_python_components_are_refused() -> None:
    errors = refused("lightweight_python_v2.yaml")
    assert errors[0]["field"] == "deploymentSpec.executors.exec-add.container.args[1]"
    assert "{{$}}" in errors[0]["message"]


def _adapter():  # the shipped file, loaded as the container loads it
    spec = importlib.util.spec_from_file_location(
        "kfp_adapter_under_test", kfp.__file__.replace("kfp.py", "kfp_adapter.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_adapter_resolves_placeholders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, files = kfp.import_component(text("filter_rows_v1.yaml"))
    (tmp_path / "in" / "input_data").mkdir(parents=True)
    (tmp_path / "in" / "input_data" / "rows.csv").write_text("a\n1\n")
    (tmp_path / "out").mkdir()
    for var, sub in (("PIPEWRIGHT_IN", "in"), ("PIPEWRIGHT_OUT", "out")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    adapter = _adapter()
    component = json.loads(files["kfp.json"])
    params = {"column": "a", "threshold": 0.5, "max_rows": None, "verbose": True}
    argv = adapter.command_line(component, params)
    i = argv.index("--input")
    assert argv[i + 1] == str(tmp_path / "in" / "input_data" / "rows.csv")
    assert "--threshold=0.5" in argv and "--max-rows" not in argv
    assert argv[argv.index("--verbose") + 1] == "True"
    assert argv[argv.index("--output") + 1] == str(tmp_path / "out" / "filtered_data" / "data.csv")
    assert (tmp_path / "out" / "row_count").is_dir()
    params["max_rows"] = 2
    argv = adapter.command_line(component, params)
    assert argv[argv.index("--max-rows") + 1] == "2"


def test_export_of_an_imported_component_is_the_original() -> None:
    spec, files = kfp.import_component(text("word_count_v2.yaml"))
    assert kfp.export_component(spec, files) == text("word_count_v2.yaml")


def test_export_of_a_native_module_imports_back(tmp_path: Path) -> None:
    folder = Path(specs.__file__).parent / "library" / "split-data"
    spec = specs.load_yaml((folder / "spec.yaml").read_text())
    files = {"main.py": (folder / "main.py").read_text(), "pw.py": (folder.parent / "_common" / "pw.py").read_text()}
    exported = kfp.export_component(spec, files)
    doc = yaml.safe_load(exported)
    assert [i["name"] for i in doc["inputs"]] == ["data", "test_size", "seed", "stratify_column"]
    assert doc["inputs"][1] == {"name": "test_size", "type": "Float", "default": "0.2"}
    again, _ = kfp.import_component(exported, name="split-again")
    assert again["inputs"] == [{"name": "data", "type": "DataFrame"}]
    assert [o["name"] for o in again["outputs"]] == ["train", "test"]
    assert again["parameters"]["seed"]["default"] == 42


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*at, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*at, i)))
    return out


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[path[0]] = _replaced(doc[path[0]], path[1:], value)
    return copy


@pytest.mark.parametrize("component", ["filter_rows_v1.yaml", "word_count_v2.yaml", "train_graph_v1.yaml"])
def test_any_malformed_part_is_a_kfp_error_never_a_crash(component: str) -> None:
    doc = yaml.safe_load(text(component))
    for path in _paths(doc):
        for value in (None, 7, "x", [], {}, [1, {"a": 2}], {"a": [1]}, True):
            source = yaml.safe_dump(_replaced(doc, path, value))
            try:
                kfp.import_component(source)
            except kfp.KfpError as exc:
                assert exc.errors and all(e["field"] and e["message"] for e in exc.errors), (path, value)
