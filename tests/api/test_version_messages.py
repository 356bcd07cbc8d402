"""A save may carry a message, kept with the version it makes (the canvas's Versions panel)."""

from __future__ import annotations

from typing import Any

import pytest

from designer.models import PipelineVersion
from tests.api.pipelines_helpers import create, graph, make_catalog, put


@pytest.fixture
def catalog(acme: Any) -> None:
    make_catalog(acme)


def rows(client: Any, pk: int) -> list[dict[str, Any]]:
    body = client.get(f"/api/pipelines/{pk}/versions/").json()
    return list(body["results"] if isinstance(body, dict) else body)


def test_a_save_keeps_its_message_with_the_version_it_makes(as_alice: Any, catalog: None) -> None:
    created = create(as_alice, graph())
    pk = created.json()["id"]
    saved = put(as_alice, pk, {"graph": graph(test_size=0.5), "message": "  bigger test split  "}, created["ETag"])
    assert saved.status_code == 200 and saved.json()["version"] == 2 and saved.json()["version_created"] is True
    listed = {r["number"]: r["message"] for r in rows(as_alice, pk)}
    assert listed == {1: "", 2: "bigger test split"}
    assert as_alice.get(f"/api/pipelines/{pk}/versions/2/").json()["message"] == "bigger test split"

    # the same graph makes no version: its message is not kept anywhere
    again = put(as_alice, pk, {"graph": graph(test_size=0.5), "message": "nothing new"}, saved["ETag"])
    assert again.status_code == 200 and again.json()["version_created"] is False
    assert [r["message"] for r in rows(as_alice, pk)] == ["bigger test split", ""]


@pytest.mark.parametrize("message", ["x" * 501, 7, ["a"]])
def test_a_bad_message_is_refused_naming_it(as_alice: Any, catalog: None, message: Any) -> None:
    created = create(as_alice, graph())
    pk = created.json()["id"]
    r = put(as_alice, pk, {"graph": graph(test_size=0.5), "message": message}, created["ETag"])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "message", r.json()
    assert PipelineVersion.objects.filter(pipeline_id=pk).count() == 1
