"""The function template's signature parser (modules/templates.py, ast only) and the spec diff that
proposes a version bump (compiler.upgrade.spec_diff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from compiler.upgrade import bumped, spec_diff
from modules import spec as specs
from modules import templates
from modules.templates import SignatureError, parse_signature


def test_types_and_defaults_become_ports_and_parameters() -> None:
    sig = parse_signature(
        "import pandas as pd\nfrom typing import Literal, Optional\nfrom pathlib import Path\n"
        "def main(data: pd.DataFrame, other: Optional[pd.DataFrame] = None, folder: Path | None = None, *,\n"
        "         k: int = 3, ratio: float = 1, flag: bool = False, name: str = 'a',\n"
        "         mode: Literal['x', 'y'] = 'y') -> tuple[pd.DataFrame, pd.DataFrame]:\n"
        '    """Doc."""\n'
    )
    assert sig.inputs == [
        {"name": "data", "type": "DataFrame"},
        {"name": "other", "type": "DataFrame", "optional": True},
        {"name": "folder", "type": "File", "optional": True},
    ]
    assert sig.parameters == {
        "k": {"type": "integer", "default": 3},
        "ratio": {"type": "number", "default": 1.0},
        "flag": {"type": "boolean", "default": False},
        "name": {"type": "string", "default": "a"},
        "mode": {"type": "string", "enum": ["x", "y"], "default": "y"},
    }
    assert [o["name"] for o in sig.outputs] == ["result_1", "result_2"] and sig.returns == "tuple"
    assert sig.docstring == "Doc."


@pytest.mark.parametrize(
    ("ret", "outputs", "kind"),
    [("-> dict", [("metrics", "Metrics")], "metrics"), ("-> None", [], "none"), ("", [], "none")],
)
def test_the_return_annotation_gives_the_outputs(ret: str, outputs: list[tuple[str, str]], kind: str) -> None:
    sig = parse_signature(f"def main(k: int = 1) {ret}:\n    pass\n")
    assert [(o["name"], o["type"]) for o in sig.outputs] == outputs and sig.returns == kind


@pytest.mark.parametrize(
    ("code", "line", "words"),
    [
        ("x = 1\n\ndef main(a):\n    pass\n", 3, "no type hint"),
        ("def main(a: int):\n    pass\n", 1, "needs a default"),
        ("def main(a: pd.DataFrame = 3):\n    pass\n", 1, "can only default to None"),
        ("def main(a: pd.DataFrame = None):\n    pass\n", 1, "must be Optional"),
        ("def main(a: bool = 1):\n    pass\n", 1, "is not a bool"),
        ("def main(a: Literal['x'] = 'z'):\n    pass\n", 1, "not one of"),
        ("def main(**kw: int):\n    pass\n", 1, "**kwargs"),
        ("async def main():\n    pass\n", 1, "not async"),
        ("def main() -> list:\n    pass\n", 1, "unsupported return type"),
        ("def main(_x: int = 1):\n    pass\n", 1, "start with a letter"),
    ],
)
def test_refusals_name_the_line(code: str, line: int, words: str) -> None:
    with pytest.raises(SignatureError) as caught:
        parse_signature(code)
    assert caught.value.line == line and words in str(caught.value)
    assert caught.value.errors[0]["field"] == "code"


def test_the_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    parse_signature(f"open({str(marker)!r}, 'w').write('x')\ndef main(k: int = 1):\n    pass\n")
    assert not marker.exists()


def test_both_templates_make_valid_specs_and_the_wrapper_runs_main(tmp_path: Path) -> None:
    for template in templates.TEMPLATES:
        spec, files = templates.generate(template, name="demo")
        assert specs.validate_spec(spec)["name"] == "demo"
        assert "pw.py" in files
    code = "def main(data: DataFrame, k: int = 1) -> DataFrame:\n    return data.head(k)\n"
    spec, files = templates.generate("function", name="demo", code=code)
    module = tmp_path / "module"
    (tmp_path / "in" / "data").mkdir(parents=True)
    (tmp_path / "out" / "result").mkdir(parents=True)
    (tmp_path / "in" / "data" / "data.csv").write_text("a\n1\n2\n3\n")
    (tmp_path / "in" / "params.json").write_text('{"k": 2}')
    module.mkdir()
    for name, text in files.items():
        (module / name).write_text(text)
    (module / "main.py").write_text("from pandas import DataFrame\n" + code)
    env = {"PIPEWRIGHT_IN": str(tmp_path / "in"), "PIPEWRIGHT_OUT": str(tmp_path / "out"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(module / "run.py")], env=env, capture_output=True, text=True)
    if "No module named 'pandas'" in done.stderr:
        pytest.fail("pandas is needed to run the generated wrapper locally")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "result" / "data.csv").read_text().splitlines() == ["a", "1", "2"]


BASE = {
    "inputs": [{"name": "data", "type": "DataFrame"}],
    "outputs": [{"name": "result", "type": "DataFrame"}],
    "parameters": {"k": {"type": "integer", "default": 3}},
}


@pytest.mark.parametrize(
    ("change", "bump"),
    [
        ({}, "patch"),
        ({"parameters": {"k": {"type": "integer", "default": 3}, "x": {"type": "string", "default": ""}}}, "minor"),
        ({"parameters": {"k": {"type": "integer", "default": 3}, "x": {"type": "string"}}}, "major"),
        ({"parameters": {"rows": {"type": "integer", "default": 3, "renamed_from": "k"}}}, "minor"),
        ({"parameters": {}}, "major"),
        ({"parameters": {"k": {"type": "number", "default": 3}}}, "major"),
        ({"inputs": [*BASE["inputs"], {"name": "more", "type": "Any", "optional": True}]}, "minor"),
        ({"inputs": [*BASE["inputs"], {"name": "more", "type": "Any"}]}, "major"),
        ({"outputs": [{"name": "result", "type": "Any"}]}, "major"),
        ({"outputs": [*BASE["outputs"], {"name": "extra", "type": "Metrics"}]}, "minor"),
    ],
)
def test_the_bump_follows_the_interface_change(change: dict[str, object], bump: str) -> None:
    assert spec_diff(BASE, {**BASE, **change}).bump == bump


def test_versions_move_up_by_the_bump() -> None:
    assert [bumped("1.2.3", b) for b in ("patch", "minor", "major")] == ["1.2.4", "1.3.0", "2.0.0"]
    assert bumped("2.0.0-rc.1", "patch") == "2.0.0"
    assert bumped(None, "minor") == "0.1.0"
