"""`renamed_from` on ports and parameters (the upgrade assistant reads it)."""

from __future__ import annotations

from typing import Any

import pytest

from modules import spec as specs


def base(**extra: Any) -> dict[str, Any]:
    return {
        "name": "train",
        "version": "2.0.0",
        "inputs": [{"name": "data", "type": "DataFrame", "renamed_from": "train"}],
        "parameters": {"depth": {"type": "integer", "default": 3, "renamed_from": ["max_depth", "depth_"]}},
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
        **extra,
    }


def test_renamed_from_is_kept() -> None:
    spec = specs.validate_spec(base())
    assert spec["inputs"][0]["renamed_from"] == "train"
    assert spec["parameters"]["depth"]["renamed_from"] == ["max_depth", "depth_"]


def test_bad_renamed_from_names_the_field() -> None:
    bad = base(
        inputs=[{"name": "data", "type": "DataFrame", "renamed_from": "not a name"}],
        parameters={"depth": {"type": "integer", "renamed_from": []}},
    )
    with pytest.raises(specs.SpecError) as caught:
        specs.validate_spec(bad)
    assert {e["field"] for e in caught.value.errors} == {"inputs[0].renamed_from", "parameters.depth.renamed_from"}
