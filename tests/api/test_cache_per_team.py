"""The step cache belongs to a team (API v1.1): two teams run the same builtin module with the same
parameters on the same input bytes; the second team's step runs (its own log, its own run), its
own rerun then hits its own cache, and no explanation names the other team's run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from compiler.plan import InputBinding
from runner.compute.base import StepJob
from runner.models import CacheEntry
from teams.models import BUILTIN_TEAM, Team
from tests.runner.fake_compute import Act, FakeBackend, rows
from tests.runner.fixtures import make_version, publish_module, step

ROWS = b"x,y\n1,1\n2,4\n"


def count(job: StepJob, say: Callable[[str], None]) -> None:
    """Deterministic outputs (from the input rows), a log line naming the attempt's container."""
    found = rows(job)
    say(f"{job.name} counted {len(found)} rows")
    (job.out_dir / "data" / "data.csv").write_text("n\n" + f"{len(found)}\n")


def _upload(client: Any, team: str) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("iris.csv", ROWS, content_type="text/csv")
    r = client.post("/api/datasets/", {"team": team, "name": "iris", "file": upload}, format="multipart")
    assert r.status_code == 201, r.content
    return str(r.json()["versions"][-1]["artifact"])


def _pipeline(team: Any, mv: Any, sha: str) -> int:
    base = step("a", mv, params={"k": 1})
    read = dataclasses.replace(base, inputs=(InputBinding(port="in0", type="DataFrame", artifact=sha),))
    return int(make_version(team, [read]).pipeline_id)


def _run(client: Any, pipeline: int) -> dict[str, Any]:
    r = client.post(f"/api/pipelines/{pipeline}/runs/", {"parameters": {}}, format="json")
    assert r.status_code == 201, r.content
    body = client.get(f"/api/runs/{r.json()['id']}/").json()
    assert body["status"] == "succeeded", body
    return dict(body)


def test_a_team_never_reuses_another_teams_step_and_reuses_its_own(
    eager: Any, fake_compute: FakeBackend, as_alice: Any, as_charlie: Any, acme: Any, other: Any
) -> None:
    mv = publish_module(Team.objects.create(name=BUILTIN_TEAM), "count", "print('count')\n", inputs=1)
    fake_compute.script("a", Act(write=count))
    sha_acme, sha_other = _upload(as_alice, "acme"), _upload(as_charlie, "other")
    assert sha_acme == sha_other  # the same input bytes
    first = _run(as_alice, _pipeline(acme, mv, sha_acme))
    output = first["steps"][0]["outputs"]["data"]["sha256"]
    # acme's output is no business of other's while none of other's steps or datasets holds it
    assert as_charlie.get(f"/api/artifacts/{output}/").status_code == 404
    assert as_charlie.get(f"/api/artifacts/{output}/preview").status_code == 404
    theirs = _pipeline(other, mv, sha_other)
    second = _run(as_charlie, theirs)
    # their own step computed the same bytes: now they hold them
    assert second["steps"][0]["outputs"]["data"]["sha256"] == output
    assert as_charlie.get(f"/api/artifacts/{output}/preview").status_code == 200

    (a1,), (b1,) = first["steps"], second["steps"]
    # the same ingredients, so the same key; the other team's step ran anyway
    assert b1["cache_key"] == a1["cache_key"] is not None
    assert b1["status"] == "succeeded" and b1["reused_from"] is None and b1["attempt"] == 1
    assert len(fake_compute.calls) == 2
    log = as_charlie.get(f"/api/runs/{second['id']}/steps/a/logs")
    their_log = as_alice.get(f"/api/runs/{first['id']}/steps/a/logs").content
    assert log.status_code == 200 and b"counted 2 rows" in log.content and log.content != their_log
    why = as_charlie.get(f"/api/runs/{second['id']}/steps/a/cache").json()
    assert why["hit"] is False and why["cache_key"] == a1["cache_key"]
    assert why["reason"] == (
        "no earlier step of team other had the same ingredients "
        "(the cache belongs to the team: other teams' steps are never reused)."
    )
    assert why["nearest"] is None and "reused_from" not in why
    assert "acme" not in str(why)
    assert CacheEntry.objects.filter(cache_key=a1["cache_key"]).count() == 2  # one per team

    # the second team's rerun reuses its own step, and the explanation says it is this team's
    again = _run(as_charlie, theirs)
    (b2,) = again["steps"]
    assert b2["status"] == "cached" and b2["reused_from"] == {"run": second["id"], "node": "a", "step": b1["id"]}
    hit = as_charlie.get(f"/api/runs/{again['id']}/steps/a/cache").json()
    assert hit["hit"] is True and hit["reused_from"]["run"] == second["id"]
    assert hit["reason"] == f"reused from run #{second['id']} of this team (the cache belongs to team other)."
    # and the first team's own rerun still reuses the first team's step
    rerun = as_alice.post(f"/api/runs/{first['id']}/rerun", {"mode": "all"}, format="json").json()
    assert rerun["steps"][0]["status"] == "cached" and rerun["steps"][0]["reused_from"]["run"] == first["id"]
    assert len(fake_compute.calls) == 2


def test_a_miss_names_only_the_nearest_entry_of_its_own_team(
    eager: Any, fake_compute: FakeBackend, as_alice: Any, as_charlie: Any, acme: Any, other: Any
) -> None:
    mv = publish_module(Team.objects.create(name=BUILTIN_TEAM), "count", "print('count')\n", inputs=1)
    fake_compute.script("a", Act(write=count))
    sha = _upload(as_alice, "acme")
    assert _upload(as_charlie, "other") == sha
    _run(as_alice, _pipeline(acme, mv, sha))  # acme's entry for the module, parameter k=1
    base = step("a", mv, params={"k": 2})
    read = dataclasses.replace(base, inputs=(InputBinding(port="in0", type="DataFrame", artifact=sha),))
    mine = _run(as_charlie, int(make_version(other, [read]).pipeline_id))
    why = as_charlie.get(f"/api/runs/{mine['id']}/steps/a/cache").json()
    assert why["hit"] is False and why["nearest"] is None  # acme's k=1 entry is nearest, and invisible
    theirs = _run(as_charlie, _pipeline(other, mv, sha))  # other's own k=1 entry
    why = as_charlie.get(f"/api/runs/{theirs['id']}/steps/a/cache").json()
    assert why["hit"] is False and why["nearest"]["run"] == mine["id"]
    assert [d["name"] for d in why["nearest"]["differences"]] == ["k"]
