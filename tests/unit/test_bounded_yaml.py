"""modules/spec.py's bounded YAML loader: no anchors or aliases (billion laughs), bounded size and
nesting, each refusal a SpecError naming `spec` and the line."""

from __future__ import annotations

import pytest

from modules import spec as specs

GOOD = """\
name: split-data
version: 1.0.0
runtime:
  image: pipewright/python-ml:1
  command: [python3, /module/main.py]
"""


def refusal(text: str | bytes) -> str:
    with pytest.raises(specs.SpecError) as exc:
        specs.load_bounded_yaml(text)
    (error,) = exc.value.errors
    assert error["field"] == "spec"
    return error["message"]


def test_it_loads_an_ordinary_spec() -> None:
    data = specs.load_bounded_yaml(GOOD)
    assert data == {
        "name": "split-data",
        "version": "1.0.0",
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
    }
    assert specs.load_yaml(GOOD.encode())["name"] == "split-data"


def test_it_refuses_a_billion_laughs_before_expanding_it() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert len(bomb) < 600
    message = refusal(bomb)
    assert "anchors and aliases" in message and "line 1" in message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: &x 1\n", 1),
        ("a: 1\nb: *x\n", 2),
        ("a: 1\nb: &anchor {c: 1}\n", 2),
        ("base: {x: 1}\nother:\n  <<: *b\n", 3),
    ],
)
def test_it_refuses_any_anchor_or_alias_naming_the_line(text: str, line: int) -> None:
    message = refusal(text)
    assert "anchors and aliases" in message and f"line {line}," in message


def test_it_bounds_nesting_and_size() -> None:
    ok = "a: " + "[" * (specs.MAX_SPEC_DEPTH - 1) + "]" * (specs.MAX_SPEC_DEPTH - 1) + "\n"
    assert specs.load_bounded_yaml(ok) is not None
    deep = "a: " + "[" * specs.MAX_SPEC_DEPTH + "]" * specs.MAX_SPEC_DEPTH + "\n"
    assert f"nested more than {specs.MAX_SPEC_DEPTH} levels" in refusal(deep)
    very_deep = "a: " + "[" * 5000 + "]" * 5000 + "\n"  # would be a RecursionError in PyYAML
    assert "nested more than" in refusal(very_deep)
    assert f"larger than {specs.MAX_SPEC_CHARS}" in refusal("a: " + "x" * specs.MAX_SPEC_CHARS)


def test_it_refuses_non_utf8_and_broken_yaml() -> None:
    assert refusal(b"name: \xff\xfe") == "is not UTF-8 text"
    assert "line 1" in refusal("name: [\n") or "line 2" in refusal("name: [\n")
    assert "not valid YAML" in refusal("a: \x00")


def test_specs_sent_as_objects_are_bounded_too() -> None:
    deep: object = "x"
    for _ in range(specs.MAX_SPEC_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(specs.SpecError) as exc:
        specs.validate_spec({"name": "x", "description": deep})
    assert exc.value.errors == [{"field": "spec", "message": f"is nested more than {specs.MAX_SPEC_DEPTH} levels deep"}]
    with pytest.raises(specs.SpecError) as exc:
        specs.validate_spec({"name": "x", "description": "y" * specs.MAX_SPEC_CHARS})
    assert exc.value.errors[0]["field"] == "spec" and "larger than" in exc.value.errors[0]["message"]


@pytest.mark.parametrize("text", ['name: "a\\0b"', 'name: "\\ud800"', '"\\udfff": 1'])
def test_it_refuses_strings_the_database_cannot_hold(text: str) -> None:
    with pytest.raises(specs.SpecError) as exc:
        specs.load_yaml(text)
    assert exc.value.errors[0]["field"] == "spec" and "may not contain" in exc.value.errors[0]["message"]
