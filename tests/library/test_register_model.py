"""The built-in Register Model module in the real step image: it checks its model input (the
registration itself happens in Pipewright when the run finishes: tests/api/test_registry.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.library.steps import run_contract

pytestmark = pytest.mark.docker


def test_it_accepts_a_model_and_reports_its_files(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.pkl").write_bytes(b"\x80\x04N.")
    result = run_contract(tmp_path, "register-model", {"model": model}, {"name": "churn"})
    assert result.exit_code == 0, result.log
    assert "registering 1 file(s) as model 'churn'" in result.log
    assert json.loads((result.out / "metrics.json").read_text()) == {"model_files": 1}


def test_it_fails_naming_the_input_when_the_model_is_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_contract(tmp_path, "register-model", {"model": empty}, {"name": "churn"})
    assert result.exit_code == 1 and "the model input is empty" in result.log
    assert "Traceback" not in result.log
