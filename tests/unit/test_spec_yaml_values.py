"""A YAML value PyYAML cannot construct is a SpecError naming `spec`, not a ValueError (a 500)."""

from __future__ import annotations

import pytest

from modules import spec as specs


def test_an_impossible_timestamp_is_a_spec_error() -> None:
    with pytest.raises(specs.SpecError) as caught:
        specs.load_yaml("name: x\nversion: 1.0.0\ndescription: 2001-02-30\n")
    assert caught.value.errors[0]["field"] == "spec"
    assert "day is out of range" in caught.value.errors[0]["message"]
