"""Shared modules: a maintainer grants another team read access to a module (or makes it public)
and revokes it; the grantee sees it, compiles with it, never changes it; a revoke keeps saved
pipeline versions runnable and refuses new compiles."""

from __future__ import annotations

from typing import Any

import pytest

from runner.models import Run
from teams.models import AuditEvent, Membership, Role, Team
from tests.api.modules_helpers import make_spec
from tests.api.pipelines_helpers import graph, make_catalog
from tests.conftest import client_for, make_user
from tests.runner.fake_compute import FakeBackend

pytestmark = pytest.mark.django_db


def _refs(client: Any) -> list[str]:
    return [m["ref"] for m in client.get("/api/modules/?team=acme").json()["results"]]


def test_grant_lets_the_grantee_read_but_not_change(as_alice: Any, as_charlie: Any, acme: Any, other: Any) -> None:
    make_catalog(acme)
    assert as_charlie.get("/api/modules/acme/split/").status_code == 404
    assert _refs(as_charlie) == []

    granted = as_alice.post("/api/modules/acme/split/grants/", {"team": "other"}, format="json")
    assert granted.status_code == 201, granted.json()
    assert granted.json()["team"] == "other" and granted.json()["module"] == "acme/split"
    assert [g["team"] for g in as_alice.get("/api/modules/acme/split/grants/").json()["results"]] == ["other"]
    again = as_alice.post("/api/modules/acme/split/grants/", {"team": "other"}, format="json")
    assert again.status_code == 409

    assert _refs(as_charlie) == ["acme/split"]
    assert as_charlie.get("/api/modules/acme/split/").status_code == 200
    assert as_charlie.get("/api/modules/acme/split/versions/").status_code == 200
    assert as_charlie.get("/api/modules/acme/split/versions/1.0.0/").status_code == 200
    assert as_charlie.get("/api/modules/acme/train/").status_code == 404  # only what was granted

    body = {"spec": make_spec("split", "9.0.0"), "files": {"main.py": "print(9)\n"}}
    refused = as_charlie.post("/api/modules/acme/split/versions/", body, format="json")
    assert refused.status_code == 403 and "maintainer" in refused.json()["detail"]
    deprecate = as_charlie.post("/api/modules/acme/split/versions/1.0.0/deprecate", {"message": "x"}, format="json")
    assert deprecate.status_code == 403
    assert as_charlie.post("/api/modules/acme/split/versions/1.0.0/disable").status_code == 403
    assert as_charlie.get("/api/modules/acme/split/grants/").status_code == 403
    assert as_charlie.patch("/api/modules/acme/split/", {"visibility": "public"}, format="json").status_code == 403
    assert as_charlie.delete("/api/modules/acme/split/grants/other/").status_code == 403

    actions = list(AuditEvent.objects.filter(team=acme).values_list("action", "details"))
    assert ("module.granted", {"grantee": "other"}) in actions


def test_bad_grants_are_400_naming_team(as_alice: Any, acme: Any) -> None:
    make_catalog(acme)
    unknown = as_alice.post("/api/modules/acme/split/grants/", {"team": "nobody"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "team"
    own = as_alice.post("/api/modules/acme/split/grants/", {"team": "acme"}, format="json")
    assert own.status_code == 400 and own.json()["errors"][0]["field"] == "team"
    missing = as_alice.post("/api/modules/acme/split/grants/", {}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "team"
    assert as_alice.delete("/api/modules/acme/split/grants/other/").status_code == 404
    unchanged = as_alice.patch("/api/modules/acme/split/", {}, format="json")
    assert unchanged.status_code == 200 and unchanged.json()["visibility"] == "private"
    bad = as_alice.patch("/api/modules/acme/split/", {"visibility": "everyone"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "visibility"


def test_a_member_may_not_share(as_bob: Any, acme: Any, other: Any) -> None:
    make_catalog(acme)
    refused = as_bob.post("/api/modules/acme/split/grants/", {"team": "other"}, format="json")
    assert refused.status_code == 403 and "maintainer" in refused.json()["detail"]


def test_public_modules_are_seen_by_every_team(as_alice: Any, as_charlie: Any, acme: Any) -> None:
    make_catalog(acme)
    made = as_alice.patch("/api/modules/acme/train/", {"visibility": "public"}, format="json")
    assert made.status_code == 200 and made.json()["visibility"] == "public"
    assert _refs(as_charlie) == ["acme/train"]
    assert as_charlie.get("/api/modules/acme/train/versions/2.0.0/").status_code == 200
    user = make_user("stranger")
    Membership.objects.create(team=Team.objects.create(name="far"), user=user, role=Role.OWNER)
    assert _refs(client_for(user)) == ["acme/train"]
    as_alice.patch("/api/modules/acme/train/", {"visibility": "private"}, format="json")
    assert _refs(as_charlie) == [] and as_charlie.get("/api/modules/acme/train/").status_code == 404
    actions = list(
        AuditEvent.objects.filter(team=acme, action="module.visibility_set")
        .order_by("id")
        .values_list("details", flat=True)
    )
    assert actions == [{"visibility": "public", "previous": "private"}, {"visibility": "private", "previous": "public"}]


def test_the_compiler_uses_a_granted_module_only_for_the_team_it_is_granted_to(
    as_alice: Any, alice: Any, as_charlie: Any, acme: Any, other: Any
) -> None:
    third = Team.objects.create(name="third")  # alice is in acme and third
    Membership.objects.create(team=third, user=alice, role=Role.OWNER)
    make_catalog(acme)
    doc = graph("acme")
    refused = as_charlie.post("/api/pipelines/", {"team": "other", "name": "p", "graph": doc}, format="json")
    assert refused.status_code == 201
    messages = [e["message"] for e in refused.json()["errors"]]
    assert "Node 'split' uses module 'acme/split', which does not exist or is not shared with team 'other'." in messages

    for name in ("split", "train"):
        assert as_alice.post(f"/api/modules/acme/{name}/grants/", {"team": "other"}, format="json").status_code == 201
    created = as_charlie.post("/api/pipelines/", {"team": "other", "name": "p2", "graph": doc}, format="json")
    assert created.status_code == 201 and created.json()["errors"] == [], created.json()

    # alice is in both teams: her pipeline of a third team does not get acme's grant to 'other'
    own = as_alice.post("/api/pipelines/", {"team": "third", "name": "p3", "graph": doc}, format="json")
    assert own.status_code == 201, own.json()
    assert [e["node"] for e in own.json()["errors"]] == ["split", "train"]


@pytest.mark.django_db(transaction=True)
def test_revoke_keeps_a_saved_version_runnable_and_refuses_new_compiles(
    as_alice: Any, as_charlie: Any, acme: Any, other: Any, eager: Any, fake_compute: FakeBackend
) -> None:
    make_catalog(acme)
    for name in ("split", "train"):
        as_alice.post(f"/api/modules/acme/{name}/grants/", {"team": "other"}, format="json")
    doc = graph("acme")
    created = as_charlie.post("/api/pipelines/", {"team": "other", "name": "p", "graph": doc}, format="json")
    assert created.status_code == 201 and created.json()["errors"] == [], created.json()
    pk = created.json()["id"]

    assert as_alice.delete("/api/modules/acme/split/grants/other/").status_code == 204
    assert as_alice.get("/api/modules/acme/split/grants/").json()["results"] == []
    assert _refs(as_charlie) == ["acme/train"]
    assert as_charlie.get("/api/modules/acme/split/").status_code == 404

    started = as_charlie.post(f"/api/pipelines/{pk}/runs/", {}, format="json")
    assert started.status_code == 201, started.json()
    run = Run.objects.get(pk=started.json()["id"])
    assert run.status == "succeeded", run.error

    checked = as_charlie.post(f"/api/pipelines/{pk}/validate", {"graph": doc}, format="json").json()
    assert [(e["node"], e["message"]) for e in checked["errors"]] == [
        ("split", "Node 'split' uses module 'acme/split', which does not exist or is not shared with team 'other'.")
    ]
    etag = as_charlie.get(f"/api/pipelines/{pk}/")["ETag"]
    saved = as_charlie.put(
        f"/api/pipelines/{pk}/", {"graph": graph("acme", test_size=0.3)}, format="json", HTTP_IF_MATCH=etag
    )
    assert saved.status_code == 200 and [e["node"] for e in saved.json()["errors"]] == ["split"]
    assert AuditEvent.objects.filter(team=acme, action="module.revoked", details={"grantee": "other"}).exists()
