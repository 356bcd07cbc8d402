"""Sample pipelines: listed, opened into a team with their datasets, compiled against the library."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from designer.models import Dataset, DatasetVersion, Pipeline
from teams.models import Membership, Role
from tests.conftest import client_for, make_user

SLUGS = [
    "conditions-and-exit",
    "diabetes-regression",
    "for-each-sub-pipeline",
    "for-each-sweep",
    "iris-classification",
    "text-classification",
    "two-models",
    "wine-clustering",
]


@pytest.fixture
def library(db: Any) -> None:
    call_command("load_library", verbosity=0)


def test_it_lists_the_samples_paged_in_slug_order(as_alice: Any) -> None:
    r = as_alice.get("/api/samples/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [s["slug"] for s in body["results"]] == SLUGS and body["next"] is None
    iris = next(s for s in body["results"] if s["slug"] == "iris-classification")
    assert iris["task"] == "classification" and iris["datasets"] == ["sample-iris"]
    assert "builtin/logistic-regression" in iris["modules"] and iris["nodes"] == 7
    assert {s["task"] for s in body["results"]} == {
        "classification",
        "regression",
        "clustering",
        "conditions",
        "sub-pipelines",
        "for-each",
    }
    two = next(s for s in body["results"] if s["slug"] == "two-models")
    assert two["subpipelines"] == ["Sample: train and evaluate (a sub-pipeline)"] and iris["subpipelines"] == []
    assert "builtin/evaluate-model" in two["modules"]  # the sub-pipeline's modules count
    first = as_alice.get("/api/samples/?page_size=4").json()
    assert [s["slug"] for s in first["results"]] == SLUGS[:4]
    second = as_alice.get(first["next"]).json()
    assert [s["slug"] for s in second["results"]] == SLUGS[4:] and second["next"] is None
    back = as_alice.get(second["previous"]).json()
    assert [s["slug"] for s in back["results"]] == SLUGS[:4] and back["previous"] is None
    bad = as_alice.get("/api/samples/?cursor=nope")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_sample_opens_into_the_team_and_compiles(as_bob: Any, library: None, slug: str) -> None:
    r = as_bob.post(f"/api/samples/{slug}/open", {"team": "acme"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["errors"] == [] and body["runnable"] is True, body["errors"]
    assert body["name"].startswith("Sample: ") and r["ETag"]
    datasets = [n for n in body["graph"]["nodes"] if "dataset" in n]
    assert datasets and all(n["dataset"].startswith("acme/sample-") and n["version"] == 1 for n in datasets)
    assert all(n["version"] for n in body["graph"]["nodes"] if "module" in n)  # pinned at save
    assert Pipeline.objects.get(pk=body["id"]).team.name == "acme"
    check = as_bob.post(f"/api/pipelines/{body['id']}/validate", {"graph": body["graph"]}, format="json")
    assert check.status_code == 200 and check.json()["errors"] == []


def test_the_for_each_sample_compiles_to_a_grid_of_nine_items(as_bob: Any, library: None) -> None:
    from compiler.foreach import param_items
    from compiler.plan import Plan
    from designer.models import PipelineVersion

    r = as_bob.post("/api/samples/for-each-sweep/open", {"team": "acme"}, format="json")
    assert r.status_code == 201 and r.json()["errors"] == [], r.content
    version = PipelineVersion.objects.filter(pipeline_id=r.json()["id"]).latest("number")
    step = Plan.from_json(version.plan).step("sweep")
    assert step.foreach is not None and step.foreach.over == "grid" and step.foreach.concurrency == 3
    assert len(param_items(step.foreach, {})) == 9
    assert ("items", "DataFrame") in step.outputs


def test_opening_again_reuses_the_dataset_and_takes_a_name(as_alice: Any, library: None) -> None:
    first = as_alice.post("/api/samples/iris-classification/open", {"team": "acme"}, format="json").json()
    again = as_alice.post(
        "/api/samples/iris-classification/open/", {"team": "acme", "name": "My iris"}, format="json"
    ).json()
    assert again["name"] == "My iris" and again["id"] != first["id"]
    assert DatasetVersion.objects.filter(dataset__team__name="acme", dataset__name="sample-iris").count() == 1
    header = DatasetVersion.objects.get(dataset__name="sample-iris").columns
    assert header[-1] == "target" and len(header) == 5


def test_it_refuses_outsiders_viewers_unknown_samples_and_bad_bodies(
    as_alice: Any, as_charlie: Any, acme: Any, library: None
) -> None:
    hidden = as_charlie.post("/api/samples/iris-classification/open", {"team": "acme"}, format="json")
    assert hidden.status_code == 404 and "acme" in hidden.json()["detail"]
    vic = make_user("vic")
    Membership.objects.create(team=acme, user=vic, role=Role.VIEWER)
    viewer = client_for(vic).post("/api/samples/iris-classification/open", {"team": "acme"}, format="json")
    assert viewer.status_code == 403
    missing = as_alice.post("/api/samples/nope/open", {"team": "acme"}, format="json")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    no_team = as_alice.post("/api/samples/iris-classification/open", {}, format="json")
    assert no_team.status_code == 400 and no_team.json()["errors"][0]["field"] == "team"
    assert not Pipeline.objects.exists() and not Dataset.objects.exists()
