"""designer/datasets.py: a CSV is checked to its last line; the profile covers the first rows."""

from __future__ import annotations

import io

import pytest

from designer import datasets
from designer.datasets import CsvProblem, scan_csv


def test_the_profile_covers_the_head_and_every_row_is_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "PROFILE_ROWS", 3)
    body = b"n,t\n1,a\n2,b\n3,\n100,zzz\n"
    profile = scan_csv(io.BytesIO(body))
    assert profile["rows"] == 4 and profile["profiled_rows"] == 3
    n, t = profile["columns"]
    assert (n["type"], n["min"], n["max"], n["mean"]) == ("integer", 1, 3, 2)
    assert sum(b["count"] for b in n["histogram"]) == 3
    assert (t["missing"], t["distinct"]) == (1, 2)
    with pytest.raises(CsvProblem) as bad:
        scan_csv(io.BytesIO(body + b"1,2,3\n"))
    assert bad.value.line == 6


def test_delimiters_and_a_bom_are_understood() -> None:
    profile = scan_csv(io.BytesIO(b"\xef\xbb\xbfa;b\n1;x\n2;y\n"))
    assert [c["name"] for c in profile["columns"]] == ["a", "b"]
    tsv = scan_csv(io.BytesIO(b"a\tb\n1\t2\n"), "data.tsv")
    assert [c["type"] for c in tsv["columns"]] == ["integer", "integer"]
