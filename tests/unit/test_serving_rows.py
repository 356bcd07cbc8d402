"""Scoring's row check (a 400 naming the row and column) and the latency histogram, without a database."""

from __future__ import annotations

import pytest

from serving import metrics
from serving.scoring import ScoreError, check_rows

SCHEMA = [{"name": "a", "type": "number"}, {"name": "n", "type": "integer"}, {"name": "s", "type": "string"},
          {"name": "b", "type": "boolean"}]  # fmt: skip
GOOD = {"a": 1.5, "n": 2, "s": "x", "b": True}


def test_it_accepts_rows_of_the_schema_and_nulls() -> None:
    rows = [GOOD, {"a": 1, "n": None, "s": None, "b": False}]
    assert check_rows({"rows": rows}, SCHEMA) == rows


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({k: v for k, v in GOOD.items() if k != "s"}, "s", "missing"),
        ({**GOOD, "a": "1.5"}, "a", "expected number"),
        ({**GOOD, "a": True}, "a", "expected number"),
        ({**GOOD, "n": 2.5}, "n", "expected integer"),
        ({**GOOD, "b": 1}, "b", "expected boolean"),
        ({**GOOD, "s": 3}, "s", "expected string"),
        ({**GOOD, "label": 1}, "label", "unknown column"),
    ],
)
def test_a_bad_row_is_a_400_naming_row_and_column(row: dict, field: str, message: str) -> None:
    with pytest.raises(ScoreError) as caught:
        check_rows({"rows": [GOOD, row]}, SCHEMA)
    assert caught.value.status == 400
    assert caught.value.errors == [{"row": 1, "field": field, "message": message}]
    assert caught.value.detail.startswith(f"Row 1, column '{field}'")


@pytest.mark.parametrize("body", [None, {}, {"rows": []}, {"rows": "x"}, [1], {"rows": [[1]]}])
def test_a_body_without_rows_of_objects_is_a_400_naming_rows(body: object) -> None:
    with pytest.raises(ScoreError) as caught:
        check_rows(body, SCHEMA)
    assert caught.value.errors[0]["field"] == "rows"


def test_the_histogram_buckets_and_quantiles() -> None:
    assert metrics.bucket(0.1) == 0 and metrics.bucket(1000) > metrics.bucket(10) > metrics.bucket(1)
    assert metrics.bucket(10**9) == metrics.BUCKETS - 1
    hist = [0] * metrics.BUCKETS
    for ms in [1.0] * 98 + [100.0] * 2:
        hist[metrics.bucket(ms)] += 1
    assert metrics._quantile(hist, 0.5) == pytest.approx(1.0, rel=0.25)
    assert metrics._quantile(hist, 0.99) == pytest.approx(100.0, rel=0.25)
    assert metrics._quantile([0] * metrics.BUCKETS, 0.5) is None
