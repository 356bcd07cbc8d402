"""Module spec validation: every problem is reported and names its field; YAML round trips are stable."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules import spec as specs
from modules.packaging import library_folders, read_library_module


def good() -> dict[str, Any]:
    return {
        "name": "split-data",
        "version": "1.0.0",
        "display_name": "Split Data",
        "category": "Data Transformation",
        "description": "Split rows into train and test sets.",
        "inputs": [{"name": "data", "type": "DataFrame"}],
        "outputs": [{"name": "train", "type": "DataFrame"}, {"name": "test", "type": "DataFrame"}],
        "parameters": {
            "test_size": {"type": "number", "default": 0.2, "minimum": 0, "maximum": 1},
            "seed": {"type": "integer", "default": 42},
        },
        "runtime": {
            "image": "pipewright/python-ml:1",
            "command": ["python", "/module/split.py"],
            "resources": {"cpu": 1, "memory": "1g"},
            "timeout": 600,
            "retries": 1,
        },
        "deterministic": True,
    }


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(specs.SpecError) as info:
        specs.validate_spec(data)
    return {e["field"]: e["message"] for e in info.value.errors}


def test_it_normalizes_a_valid_spec_with_defaults_filled() -> None:
    spec = good()
    del spec["runtime"]["retries"], spec["deterministic"], spec["display_name"]
    out = specs.validate_spec(spec)
    assert list(out) == list(specs.KNOWN_KEYS)
    assert out["runtime"]["retries"] == 0
    assert out["runtime"]["env"] == {}
    assert out["deterministic"] is True
    assert out["display_name"] == "split-data"
    assert list(out["parameters"]) == ["test_size", "seed"]  # order kept: it is the form's order


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(name="Split Data"), "name"),
        (lambda s: s.update(version="1.0"), "version"),
        (lambda s: s.update(version="v1.0.0"), "version"),
        (lambda s: s["inputs"].append({"name": "x", "type": "Table"}), "inputs[1].type"),
        (lambda s: s["inputs"].append({"name": "data", "type": "Any"}), "inputs[1].name"),
        (lambda s: s["outputs"].append({"name": "train", "type": "Any"}), "outputs[2].name"),
        (lambda s: s["outputs"].append({"type": "Any"}), "outputs[2].name"),
        (lambda s: s["outputs"].append("train"), "outputs[2]"),
        (lambda s: s["inputs"].append({"name": "x", "type": "Any", "optional": "yes"}), "inputs[1].optional"),
        (lambda s: s.update(inputs="data"), "inputs"),
        (lambda s: s["parameters"].update(seed={"type": "integr"}), "parameters.seed.type"),
        (lambda s: s["parameters"].update(seed={"type": "integer", "default": "x"}), "parameters.seed.default"),
        (lambda s: s["parameters"].update(seed=3), "parameters.seed"),
        (lambda s: s.update(parameters=[1]), "parameters"),
        (lambda s: s["runtime"].pop("image"), "runtime.image"),
        (lambda s: s["runtime"].update(command="python main.py"), "runtime.command"),
        (lambda s: s["runtime"].update(command=["python", 3]), "runtime.command"),
        (lambda s: s["runtime"]["resources"].update(cpu=0), "runtime.resources.cpu"),
        (lambda s: s["runtime"]["resources"].update(cpu="two"), "runtime.resources.cpu"),
        (lambda s: s["runtime"]["resources"].update(memory="lots"), "runtime.resources.memory"),
        (lambda s: s["runtime"]["resources"].update(memory="0m"), "runtime.resources.memory"),
        (lambda s: s["runtime"]["resources"].update(gpu=1), "runtime.resources.gpu"),
        (lambda s: s["runtime"].update(timeout=0), "runtime.timeout"),
        (lambda s: s["runtime"].update(timeout=1.5), "runtime.timeout"),
        (lambda s: s["runtime"].update(retries=11), "runtime.retries"),
        (lambda s: s["runtime"].update(retries=True), "runtime.retries"),
        (lambda s: s["runtime"].update(env={"1BAD": "x"}), "runtime.env.1BAD"),
        (lambda s: s.pop("runtime"), "runtime"),
        (lambda s: s.update(deterministic="yes"), "deterministic"),
        (lambda s: s.update(description=5), "description"),
        (lambda s: s.update(colour="red"), "colour"),
    ],
)
def test_it_names_the_field_of_each_problem(change: Any, field: str) -> None:
    spec = good()
    change(spec)
    errors = errors_of(spec)
    assert field in errors, errors


def test_it_lists_every_problem_at_once() -> None:
    spec = good()
    spec["name"] = "Bad Name"
    spec["version"] = "one"
    spec["inputs"][0]["type"] = "Table"
    spec["runtime"]["retries"] = 99
    spec["parameters"]["seed"]["default"] = "x"
    errors = errors_of(spec)
    assert set(errors) == {"name", "version", "inputs[0].type", "runtime.retries", "parameters.seed.default"}
    assert "DataFrame" in errors["inputs[0].type"]


def test_it_allows_an_input_and_an_output_with_the_same_name() -> None:
    spec = good()
    spec["outputs"].append({"name": "data", "type": "DataFrame"})
    assert specs.validate_spec(spec)["outputs"][2]["name"] == "data"


def test_it_refuses_what_is_not_a_mapping() -> None:
    assert "spec" in errors_of(["a"])


def test_it_reports_broken_yaml_with_its_position() -> None:
    with pytest.raises(specs.SpecError) as info:
        specs.load_yaml("name: x\ninputs: [\n")
    assert info.value.errors[0]["field"] == "spec"
    assert "line" in info.value.errors[0]["message"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512m", 512 * 1024**2), ("1g", 1024**3), ("2Gi", 2 * 1024**3), ("256Mi", 256 * 1024**2), (1024, 1024)],
)
def test_it_parses_memory_sizes(text: Any, expected: int) -> None:
    assert specs.memory_bytes(text) == expected


def test_it_round_trips_yaml_byte_for_byte() -> None:
    spec = good()
    spec["parameters"]["script"] = {"type": "string", "format": "code", "default": "def f():\n    return 1\n"}
    first = specs.dump_yaml(specs.validate_spec(spec))
    second = specs.dump_yaml(specs.load_yaml(first))
    assert first == second
    assert specs.load_yaml(second) == specs.validate_spec(spec)
    assert first.startswith("name: split-data\nversion: 1.0.0\n")


@pytest.mark.parametrize("folder", library_folders(), ids=lambda p: p.name)
def test_it_round_trips_every_library_spec(folder: Any) -> None:
    spec, files = read_library_module(folder)
    text = specs.dump_yaml(spec)
    assert specs.dump_yaml(specs.load_yaml(text)) == text
    assert "main.py" in files and "pw.py" in files


def test_it_digests_interface_files_and_image_but_not_the_description() -> None:
    spec = specs.validate_spec(good())
    base = specs.digest(spec, {"main.py": "print(1)"})
    assert base == specs.digest(copy.deepcopy(spec), {"main.py": "print(1)"})
    assert base != specs.digest(spec, {"main.py": "print(2)"})
    other_image = copy.deepcopy(spec)
    other_image["runtime"]["image"] = "pipewright/python-ml:2"
    assert base != specs.digest(other_image, {"main.py": "print(1)"})
    reworded = copy.deepcopy(spec)
    reworded["description"] = "Something else"
    assert base == specs.digest(reworded, {"main.py": "print(1)"})


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
schemas = st.fixed_dictionaries(
    {"type": st.just("string"), "default": texts},
    optional={"description": texts, "title": texts, "format": st.sampled_from(["code", "text"])},
)


@settings(max_examples=60, deadline=None)
@given(
    description=texts,
    display=texts,
    params=st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True), schemas, max_size=4),
    cpu=st.one_of(st.integers(1, 16), st.floats(0.1, 8, allow_nan=False)),
    memory=st.sampled_from(["512m", "1g", "2Gi", "128Mi", 1024**3]),
)
def test_it_round_trips_any_valid_spec(description: str, display: str, params: Any, cpu: Any, memory: Any) -> None:
    spec = good()
    spec["description"] = description
    spec["display_name"] = display
    spec["parameters"] = params
    spec["runtime"]["resources"] = {"cpu": cpu, "memory": memory}
    normalized = specs.validate_spec(spec)
    first = specs.dump_yaml(normalized)
    again = specs.load_yaml(first)
    assert again == normalized
    assert specs.dump_yaml(again) == first


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
spec_keys = st.sampled_from([*specs.KNOWN_KEYS, "other"])


@settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(spec_keys, json_values, max_size=10))
def test_it_only_ever_raises_spec_errors_on_garbage(data: dict[str, Any]) -> None:
    try:
        specs.validate_spec(data)
    except specs.SpecError as exc:
        assert exc.errors and all(isinstance(e["field"], str) and e["message"] for e in exc.errors)


ports = st.lists(
    st.dictionaries(st.sampled_from(["name", "type", "optional", "description", "x"]), json_values, max_size=4)
    | json_values,
    max_size=3,
)
schema_keys = st.sampled_from(["type", "default", "enum", "minimum", "pattern", "format", "items", "minLength"])


@settings(max_examples=60, deadline=None)
@given(
    inputs=ports,
    outputs=ports,
    parameters=st.dictionaries(st.text(max_size=6), st.dictionaries(schema_keys, json_values, max_size=4), max_size=3),
    runtime=st.dictionaries(st.sampled_from([*specs.RUNTIME_KEYS, "x"]), json_values, max_size=6),
)
def test_it_only_ever_raises_spec_errors_on_garbage_inside(
    inputs: Any, outputs: Any, parameters: Any, runtime: Any
) -> None:
    data = {**good(), "inputs": inputs, "outputs": outputs, "parameters": parameters, "runtime": runtime}
    try:
        specs.validate_spec(data)
    except specs.SpecError as exc:
        assert exc.errors and all(isinstance(e["field"], str) and e["message"] for e in exc.errors)


def test_it_refuses_a_schema_whose_pattern_is_not_a_regex() -> None:
    spec = good()
    spec["parameters"]["name"] = {"type": "string", "pattern": "[", "default": "a"}
    assert "regex" in errors_of(spec)["parameters.name.pattern"]
