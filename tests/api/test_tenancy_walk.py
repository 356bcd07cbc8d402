"""The tenancy walk: every operation of /api/schema/ that names an object in its path, called on
team A's objects as an outsider (a member of another team only), a viewer and a member of team A.

- an outsider gets 404 for every object of team A and every method, the same 404 as for an object
  that does not exist, and nothing changes;
- a viewer reads (200) and is refused every write (403), and nothing changes;
- a member gets what the role rules give a member (EXPECTED).

The walk is generated from the schema: an operation with a path parameter that EXPECTED does not
list, or a path parameter PARAMS cannot fill, fails `test_the_walk_covers_every_operation_of_the_schema`
with the row to add, so a new endpoint cannot be added without being walked. The run feed
(WebSocket /ws/runs/{id}/) is walked too. All of it on the real PostgreSQL, through the public API;
steps run on the in-process fake backend (tests/runner/fake_compute.py)."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from tests.api.pipelines_helpers import SPLIT, TRAIN, graph, upload_csv, with_source
from tests.conftest import client_for, make_user
from tests.runner.fake_compute import Act, FakeBackend

TEAM = "acme"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class World:
    """Team A's objects, made through the public API by its owner, and a client per role."""

    values: dict[str, Any]  # world key -> the value a path parameter takes (an id, a sha256, a name)
    owner: APIClient
    clients: dict[str, APIClient]  # "outsider" | "viewer" | "member"
    users: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


@dataclass(frozen=True)
class Op:
    """What a viewer and a member of team A get for one operation (an outsider always gets 404).
    `body` builds a request body valid for a member, so a refusal is never a 400 in disguise."""

    viewer: int
    member: int
    body: Callable[[World], Any] | None = None
    if_match: bool = False  # send the pipeline's current ETag (the owner reads it)
    outsider: int = 404  # a token-only operation answers 401 to every signed-in user without its token


def _world_graph(test_size: float = 0.3) -> dict[str, Any]:
    """The world's pipeline: split, train and a for-each node `sweep` (split once per seed)."""
    doc = with_source(graph(test_size=test_size))
    sweep = {"id": "sweep", "module": f"{TEAM}/split", "version": None, "params": {}}
    doc["nodes"].append({**sweep, "foreach": {"over": "grid", "grid": {"seed": [1, 2]}, "concurrency": 1}})
    return doc


def _graph(test_size: float = 0.3) -> Callable[[World], Any]:
    return lambda w: {"graph": _world_graph(test_size)}


def _const(body: Any) -> Callable[[World], Any]:
    return lambda w: body


# "<collection>/{param}" -> the world keys a path parameter takes (each one is walked), where the
# collection is the path's first segment after /api/: the same name means different objects in
# different collections (`{id}`, `{name}`, `{number}`), so every collection names its own.
PARAMS: dict[str, tuple[str, ...]] = {
    "artifacts/{sha256}": ("step_output", "dataset_file"),  # a step's output and a dataset's upload
    "endpoints/{slug}": ("endpoint",),
    "modules/{team}": ("team",),
    "modules/{name}": ("module",),
    "modules/{version}": ("module_version",),
    "modules/{grantee}": ("grantee",),
    "pipelines/{pipeline_id}": ("pipeline",),
    "pipelines/{id}": ("pipeline",),
    "pipelines/{number}": ("pipeline_version",),
    "pipelines/{other}": ("pipeline_version_2",),
    "runs/{run_id}": ("run",),
    "samples/{slug}": ("sample",),  # a sample is everyone's; the body's team is team A
    "runs/{node}": ("node",),
    "runs/{foreach}": ("foreach_node",),
    "schedules/{id}": ("schedule",),
    "teams/{team}": ("team",),
    # for paths other helpers add (membership, tokens, dataset pages): the world has these objects
    "teams/{username}": ("teammate",),  # the team's owner: a viewer or member may not change them
    "tokens/{id}": ("token",),
    "trials/{trial_id}": ("trial",),  # the owner's personal token: nobody else's, so 404 to every other user
    "datasets/{team}": ("team",),
    "datasets/{name}": ("dataset",),
    "datasets/{number}": ("dataset_version",),
    "models/{id}": ("model",),
    "models/{version}": ("model_version_number",),
    "lineage/{sha256}": ("step_output", "dataset_file"),
    "lineage/{id}": ("model",),
    "lineage/{version}": ("model_version_number",),
    "lineage/{team}": ("team",),
    "lineage/{name}": ("dataset",),
    "lineage/{number}": ("dataset_version",),
    "deployments/{slug}": ("deployment",),
    "deployments/{number}": ("deployment_version",),
    "deployments/{token_id}": ("deployment_token",),
}

R = Op(viewer=200, member=200)  # a read: every member of the team

# (schema path, method) -> Op, for every operation with a path parameter.
EXPECTED: dict[tuple[str, str], Op] = {
    ("/api/artifacts/{sha256}/", "get"): R,
    ("/api/artifacts/{sha256}/preview/", "get"): R,
    ("/api/endpoints/{slug}/", "get"): R,
    ("/api/endpoints/{slug}/", "patch"): Op(403, 200, _const({"version": 1})),
    ("/api/endpoints/{slug}/", "delete"): Op(403, 204),
    ("/api/endpoints/{slug}/runs/", "post"): Op(403, 201, _const({"parameters": {}})),
    ("/api/modules/{team}/{name}/", "get"): R,
    ("/api/modules/{team}/{name}/", "patch"): Op(403, 403, _const({"visibility": "public"})),
    ("/api/modules/{team}/{name}/grants/", "get"): Op(403, 403),  # maintainers only
    ("/api/modules/{team}/{name}/grants/", "post"): Op(403, 403, _const({"team": "elsewhere"})),
    ("/api/modules/{team}/{name}/grants/{grantee}/", "delete"): Op(403, 403),
    ("/api/modules/{team}/{name}/default/", "post"): Op(403, 403, _const({"version": "1.0.0"})),
    ("/api/modules/{team}/{name}/versions/", "get"): R,
    ("/api/modules/{team}/{name}/versions/", "post"): Op(
        403, 403, _const({"spec": {**SPLIT, "version": "9.0.0"}, "files": {"main.py": "print(9)\n"}})
    ),
    ("/api/modules/{team}/{name}/versions/{version}/", "get"): R,
    ("/api/modules/{team}/{name}/versions/{version}/deprecate/", "post"): Op(403, 403, _const({"message": "old"})),
    ("/api/modules/{team}/{name}/versions/{version}/disable/", "post"): Op(403, 403),
    ("/api/modules/{team}/{name}/versions/{version}/enable/", "post"): Op(403, 403),
    ("/api/modules/{team}/{name}/versions/{version}/spec.yaml", "get"): R,
    ("/api/modules/{team}/{name}/versions/{version}/component.yaml", "get"): R,
    ("/api/pipelines/{pipeline_id}/runs/", "post"): Op(403, 201, _const({"parameters": {}})),
    ("/api/pipelines/{id}/", "get"): R,
    ("/api/pipelines/{id}/", "put"): Op(403, 200, _graph(), if_match=True),
    ("/api/pipelines/{id}/", "delete"): Op(403, 204),
    ("/api/pipelines/{id}/export/", "get"): R,
    ("/api/samples/{slug}/open/", "post"): Op(403, 201, _const({"team": TEAM})),
    ("/api/pipelines/{id}/duplicate/", "post"): Op(403, 201, _const({"name": "copy"})),
    ("/api/pipelines/{id}/publish/", "post"): Op(403, 201, _const({"name": "p1 again"})),
    ("/api/pipelines/{id}/validate/", "post"): Op(200, 200, _graph(0.4)),  # compiles, saves nothing
    ("/api/pipelines/{id}/upgrade-preview/", "post"): Op(200, 200, _const({})),  # proposes, saves nothing
    ("/api/pipelines/{id}/versions/", "get"): R,
    ("/api/pipelines/{id}/versions/{number}/", "get"): R,
    ("/api/pipelines/{id}/versions/{number}/diff/{other}/", "get"): R,
    ("/api/runs/{run_id}/", "get"): R,
    ("/api/runs/{run_id}/cancel/", "post"): Op(403, 409),  # the run has finished
    ("/api/runs/{run_id}/rerun/", "post"): Op(403, 201, _const({"mode": "all"})),
    ("/api/runs/{run_id}/steps/{node}/cache/", "get"): R,
    ("/api/runs/{run_id}/steps/{node}/logs/", "get"): R,
    ("/api/runs/{run_id}/foreach/{foreach}/", "get"): R,
    ("/api/runs/{run_id}/foreach/{foreach}/items/", "get"): R,
    ("/api/schedules/{id}/", "get"): R,
    ("/api/schedules/{id}/", "patch"): Op(403, 200, _const({"cron": "5 6 * * *"})),
    ("/api/schedules/{id}/", "delete"): Op(403, 204),
    ("/api/teams/{team}/members/", "get"): R,
    ("/api/teams/{team}/members/", "post"): Op(403, 403, _const({"username": "newcomer", "role": "viewer"})),
    ("/api/teams/{team}/members/{username}/", "patch"): Op(403, 403, _const({"role": "member"})),
    ("/api/teams/{team}/members/{username}/", "delete"): Op(403, 403),
    ("/api/teams/{team}/audit/", "get"): Op(403, 403),  # owners only
    ("/api/tokens/{id}/", "delete"): Op(404, 404),  # personal: even a teammate gets 404
    ("/api/datasets/{team}/{name}/", "get"): R,
    ("/api/datasets/{team}/{name}/archive/", "post"): Op(403, 200),
    ("/api/datasets/{team}/{name}/unarchive/", "post"): Op(403, 200),
    ("/api/datasets/{team}/{name}/versions/{number}/profile/", "get"): R,
    ("/api/endpoints/{slug}/runs/", "get"): R,
    ("/api/schedules/{id}/runs/", "get"): R,
    ("/api/models/{id}/", "get"): R,
    ("/api/models/{id}/", "patch"): Op(403, 403, _const({"archived": True})),  # maintainers
    ("/api/models/{id}/versions/", "get"): R,
    ("/api/models/{id}/versions/", "post"): Op(403, 201, lambda w: {"run": w["run"], "node": "train", "port": "model"}),
    ("/api/models/{id}/versions/{version}/", "get"): R,
    ("/api/models/{id}/versions/{version}/", "patch"): Op(403, 403, _const({"tags": ["production"]})),  # maintainers
    ("/api/models/{id}/compare/", "get"): R,
    ("/api/lineage/artifacts/{sha256}/", "get"): R,
    ("/api/lineage/models/{id}/versions/{version}/", "get"): R,
    ("/api/lineage/datasets/{team}/{name}/versions/{number}/", "get"): R,
    # real-time deployments (serving/): the run of p1 trains no builtin Train Model, p1 is no
    # inference pipeline, and the deployment has no replica: a member's 400s and 503 are the answers
    ("/api/pipelines/{id}/inference/", "post"): Op(403, 400, lambda w: {"run": w["run"]}),
    ("/api/deployments/{slug}/", "get"): R,
    ("/api/deployments/{slug}/", "patch"): Op(403, 200, _const({"canary_percent": 0})),
    ("/api/deployments/{slug}/", "delete"): Op(403, 204),
    ("/api/deployments/{slug}/rollback/", "post"): Op(403, 200),
    ("/api/deployments/{slug}/tokens/", "get"): Op(403, 200),  # tokens: members only
    ("/api/deployments/{slug}/tokens/", "post"): Op(403, 201, _const({"name": "walk"})),
    ("/api/deployments/{slug}/tokens/{token_id}/", "delete"): Op(403, 204),
    ("/api/deployments/{slug}/try/", "post"): Op(403, 503, _const({"rows": [{"x": 1.0}]})),
    ("/api/deployments/{slug}/versions/", "post"): Op(403, 400, lambda w: {"pipeline": w["pipeline"]}),
    ("/api/deployments/{slug}/versions/{number}/", "patch"): Op(403, 200, _const({"replicas": 0})),
    # scoring takes a deployment's token only: a session is no key, for every role alike (no existence leak)
    ("/api/deployments/{slug}/score", "post"): Op(401, 401, _const({"rows": [{"x": 1.0}]}), outsider=401),
    ("/api/modules/{team}/{name}/usage/", "get"): R,
    ("/api/modules/{team}/{name}/compare/", "get"): R,
    ("/api/modules/{team}/{name}/proposal/", "post"): Op(403, 403, _const({"spec": SPLIT})),  # maintainers
    ("/api/trials/{trial_id}/", "get"): R,
    ("/api/modules/{team}/{name}/versions/{version}/sources/", "get"): R,
}

# A member's deletes run last, the dependants first (a pipeline takes its endpoints and schedules).
DELETE_ORDER = (
    "/api/deployments/{slug}/tokens/",
    "/api/deployments/",
    "/api/schedules/",
    "/api/endpoints/",
    "/api/pipelines/",
)


# -- the schema ----------------------------------------------------------------------------------


def schema_operations(client: APIClient) -> list[tuple[str, str]]:
    """(path, method) of every operation of /api/schema/ whose path has a parameter."""
    r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200, r.content[:300]
    doc = json.loads(r.content)
    return [(path, method) for path, ops in doc["paths"].items() if "{" in path for method in ops if method in METHODS]


def param_key(path: str, match: re.Match[str]) -> str:
    """The PARAMS key of one `{param}` of `path`: "<collection>/{param}"."""
    return f"{path.removeprefix('/api/').split('/', 1)[0]}/{match.group(0)}"


def missing_rows(operations: list[tuple[str, str]]) -> list[str]:
    """What the tables lack (or list in vain) for these operations, each as the line to write."""
    problems = []
    for path, method in operations:
        for m in re.finditer(r"\{[^}]+\}", path):
            if (key := param_key(path, m)) not in PARAMS:
                problems.append(
                    f"{method.upper()} {path}: no value for {m.group(0)}; add to PARAMS "
                    f'"{key}": ("<world key>",) and create that object of team A in make_world()'
                )
        if (path, method) not in EXPECTED:
            problems.append(
                f"{method.upper()} {path}: not walked; add to EXPECTED "
                f'("{path}", "{method}"): Op(viewer=<200 for a read, 403 for a write>, '
                "member=<the member's status per the role rules>, body=<a body valid for a member>),"
            )
    listed = set(operations)
    problems += [
        f'{method.upper()} {path}: not in /api/schema/; remove EXPECTED[("{path}", "{method}")]'
        for path, method in EXPECTED
        if (path, method) not in listed
    ]
    return problems


def fillings(path: str, world: World) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every URL of `path` with team A's objects in its parameters, and the values used."""
    params = list(re.finditer(r"\{[^}]+\}", path))
    choices = [PARAMS[param_key(path, m)] for m in params]
    for keys in itertools.product(*choices):
        values = {m.group(0): world[k] for m, k in zip(params, keys, strict=True)}
        yield _fill(path, values), values


def _fill(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: str(values[m.group(0)]), path)


def _missing(name: str, value: Any) -> Any:
    """A value of the same kind as `value` that names nothing (and differs for each parameter)."""
    if isinstance(value, int):
        return 987654321 + len(name)
    if re.fullmatch(r"[0-9a-f]{64}", str(value)):
        return "0" * 64
    return f"zz-missing-{name.strip('{}')}"


# -- the world -----------------------------------------------------------------------------------


def _ok(r: Any, code: int = 201) -> Any:
    assert r.status_code == code, (r.status_code, r.content[:500])
    return r.json() if r.content and r["Content-Type"].startswith("application/json") else None


def make_world(fake: FakeBackend) -> World:
    owner_user, viewer, member, outsider = (make_user(n) for n in ("ann", "vic", "meg", "oscar"))
    make_user("newcomer")
    owner = client_for(owner_user)
    _ok(owner.post("/api/teams/", {"name": TEAM}, format="json"))
    for user, role in ((viewer, "viewer"), (member, "member")):
        _ok(owner.post(f"/api/teams/{TEAM}/members/", {"username": user.username, "role": role}, format="json"))
    stranger = client_for(outsider)
    _ok(stranger.post("/api/teams/", {"name": "elsewhere"}, format="json"))
    # a private module catalog: split 1.0.0, train 1.0.0
    for spec in (SPLIT, TRAIN):
        _ok(owner.post("/api/modules/", {"team": TEAM, "name": spec["name"]}, format="json"))
        body = {"spec": spec, "files": {"main.py": "print(1)\n"}, "is_default": True}
        _ok(owner.post(f"/api/modules/{TEAM}/{spec['name']}/versions/", body, format="json"))
    # split is shared with a team of the owner's (not the outsider's: split stays hidden from them)
    _ok(owner.post("/api/teams/", {"name": "partners"}, format="json"))
    _ok(owner.post(f"/api/modules/{TEAM}/split/grants/", {"team": "partners"}, format="json"))
    dataset = _ok(upload_csv(owner, "iris", TEAM))
    # a pipeline with two versions, a finished run with logs and outputs, an endpoint, a schedule
    created = _ok(owner.post("/api/pipelines/", {"team": TEAM, "name": "p1", "graph": _world_graph()}, format="json"))
    pid = created["id"]
    etag = owner.get(f"/api/pipelines/{pid}/")["ETag"]
    _ok(owner.put(f"/api/pipelines/{pid}/", _graph(0.35)(None), format="json", HTTP_IF_MATCH=etag), 200)
    fake.script("split", Act(lines=["split: hello"]))
    run = _ok(owner.post(f"/api/pipelines/{pid}/runs/", {"parameters": {}}, format="json"))
    run = _ok(owner.get(f"/api/runs/{run['id']}/"), 200)
    assert run["status"] == "succeeded", run
    split = next(s for s in run["steps"] if s["node"] == "split")
    endpoint = _ok(owner.post(f"/api/pipelines/{pid}/publish", {"name": "p1"}, format="json"))
    body = {"endpoint": endpoint["slug"], "cron": "0 6 * * *", "parameters": {}, "enabled": False}
    schedule = _ok(owner.post("/api/schedules/", body, format="json"))
    model = _ok(
        owner.post(
            "/api/models/register", {"name": "m1", "run": run["id"], "node": "train", "port": "model"}, format="json"
        )
    )
    deployment = _deployment(owner_user, pid)
    trial = _ok(
        owner.post(
            "/api/trials/",
            {
                "module": f"{TEAM}/split",
                "spec": SPLIT,
                "files": {"main.py": "print(1)\n"},
                "inputs": {"data": {"csv": "a,b\n1,2\n"}},
            },
            format="json",
        )
    )
    token = None
    if owner.get("/api/tokens/").status_code == 200:  # personal tokens (API v1.1), where they exist
        token = _ok(owner.post("/api/tokens/", {"name": "walk"}, format="json"))["id"]
    values = {
        "team": TEAM,
        "module": "split",
        "module_version": "1.0.0",
        "grantee": "partners",
        "dataset_file": dataset["versions"][-1]["artifact"],
        "pipeline": pid,
        "pipeline_version": 1,
        "pipeline_version_2": 2,
        "run": run["id"],
        "node": "split",
        "foreach_node": "sweep",
        "step_output": split["outputs"]["train"]["sha256"],
        "endpoint": endpoint["slug"],
        "schedule": schedule["id"],
        "dataset": "iris",
        "dataset_version": 1,
        "teammate": owner_user.username,
        "token": token,
        "model": model["model"],
        "model_version_number": model["version"],
        "sample": "iris-classification",
        **deployment,
        "trial": trial["id"],
    }
    clients = {"outsider": stranger, "viewer": client_for(viewer), "member": client_for(member)}
    for c in (owner, *clients.values()):
        c.raise_request_exception = False  # a 500 is a finding to report, not a crash of the walk
    users = {"owner": owner_user, "viewer": viewer, "member": member, "outsider": outsider}
    return World(values, owner, clients, users)


def _deployment(owner: Any, pipeline_id: int) -> dict[str, Any]:
    """A deployment of team A (v1, then v2 the default; no replica runs), made by the service layer:
    through the API it would need a trained model and fitted transforms, which the fake backend
    does not write."""
    from designer.models import PipelineVersion
    from serving import services
    from serving.models import Deployment, DeploymentVersion

    pv = PipelineVersion.objects.get(pipeline_id=pipeline_id, number=2)
    spec = {"format": 1, "schema": [{"name": "x", "type": "number"}], "steps": [], "model": {"sha256": "0" * 64}}
    d = Deployment.objects.create(slug="walk", team=pv.pipeline.team, created_by=owner)
    v1, v2 = (DeploymentVersion.objects.create(deployment=d, number=n, pipeline_version=pv, spec=spec) for n in (1, 2))
    d.default_version, d.previous_version = v2, v1
    d.save()
    token, _ = services.do_create_token(owner, d, "walk")
    return {"deployment": d.slug, "deployment_version": 1, "deployment_token": token.pk}


@pytest.fixture
def world(eager: Any, fake_compute: FakeBackend) -> World:
    return make_world(fake_compute)


APPS = ("teams", "modules", "designer", "runner", "registry", "publishing", "serving", "django_celery_beat")


def state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model of the project's apps (and the beat tasks and tokens), of every
    team: a refused call must leave all of them as they were."""
    from django.apps import apps

    configs = [c for c in apps.get_app_configs() if c.label in APPS]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for c in configs for m in c.get_models()}


def call(world: World, client: APIClient, path: str, method: str, url: str) -> Any:
    op = EXPECTED[(path, method)]
    kwargs: dict[str, Any] = {}
    if op.body is not None:
        kwargs = {"data": op.body(world), "format": "json"}
    if op.if_match:
        kwargs["HTTP_IF_MATCH"] = world.owner.get(f"/api/pipelines/{world['pipeline']}/")["ETag"]
    return getattr(client, method)(url, **kwargs)


def _detail(r: Any) -> str:
    try:
        return str(r.json().get("detail"))
    except (ValueError, AttributeError):
        return r.content[:200].decode(errors="replace")


def _masked(text: str, values: dict[str, Any]) -> str:
    for name, value in sorted(values.items(), key=lambda kv: -len(str(kv[1]))):
        text = re.sub(rf"(?<![\w.-]){re.escape(str(value))}(?![\w.-])", name, text)
    return text


def _ordered(operations: list[tuple[str, str]]) -> list[tuple[str, str]]:
    def rank(op: tuple[str, str]) -> tuple[int, int]:
        path, method = op
        if method != "delete":
            return (0, 0)
        return (1, next((i for i, p in enumerate(DELETE_ORDER) if path.startswith(p)), len(DELETE_ORDER)))

    return sorted(operations, key=rank)


# -- the tests -----------------------------------------------------------------------------------


def test_the_walk_covers_every_operation_of_the_schema(as_alice: APIClient) -> None:
    problems = missing_rows(schema_operations(as_alice))
    assert not problems, "the tenancy walk does not cover the schema:\n" + "\n".join(problems)


def test_the_coverage_check_names_the_row_a_new_path_needs() -> None:
    new = [("/api/widgets/{id}/", "delete"), ("/api/widgets/{id}/parts/{part}/", "get")]
    stale = ("/api/pipelines/{id}/", "delete")
    operations = [op for op in EXPECTED if op != stale] + new
    assert missing_rows(operations) == [
        'DELETE /api/widgets/{id}/: no value for {id}; add to PARAMS "widgets/{id}": ("<world key>",) '
        "and create that object of team A in make_world()",
        'DELETE /api/widgets/{id}/: not walked; add to EXPECTED ("/api/widgets/{id}/", "delete"): '
        "Op(viewer=<200 for a read, 403 for a write>, member=<the member's status per the role rules>, "
        "body=<a body valid for a member>),",
        'GET /api/widgets/{id}/parts/{part}/: no value for {id}; add to PARAMS "widgets/{id}": ("<world key>",) '
        "and create that object of team A in make_world()",
        'GET /api/widgets/{id}/parts/{part}/: no value for {part}; add to PARAMS "widgets/{part}": ("<world key>",) '
        "and create that object of team A in make_world()",
        'GET /api/widgets/{id}/parts/{part}/: not walked; add to EXPECTED ("/api/widgets/{id}/parts/{part}/", '
        '"get"): Op(viewer=<200 for a read, 403 for a write>, member=<the member\'s status per the role rules>, '
        "body=<a body valid for a member>),",
        'DELETE /api/pipelines/{id}/: not in /api/schema/; remove EXPECTED[("/api/pipelines/{id}/", "delete")]',
    ]


@pytest.mark.parametrize("role", ["outsider", "viewer", "member"])
def test_the_tenancy_walk(world: World, role: str) -> None:
    operations = schema_operations(world.owner)
    missing = missing_rows(operations)
    assert not missing, "the walk does not cover the schema:\n" + "\n".join(missing)
    # the owner reads every object: each filler names something that exists
    for path, method in operations:
        if method == "get":
            for url, _ in fillings(path, world):
                assert call(world, world.owner, path, method, url).status_code == 200, f"owner GET {url}"
    client = world.clients[role]
    findings: list[str] = []
    for path, method in _ordered(operations):
        op = EXPECTED[(path, method)]
        want = {"outsider": op.outsider, "viewer": op.viewer, "member": op.member}[role]
        for url, values in fillings(path, world):
            before = state() if role != "member" else None
            r = call(world, client, path, method, url)
            where = f"{method.upper()} {url} ({path})"
            if r.status_code != want:
                findings.append(f"{where}: {_a(role)} got {r.status_code}, not {want}: {_detail(r)}")
            if before is not None and state() != before:
                findings.append(f"{where}: {_a(role)}'s {r.status_code} changed the database")
            if role == "outsider" and r.status_code == 404:
                # a hidden object and one that does not exist answer alike
                missing = {name: _missing(name, v) for name, v in values.items()}
                other = call(world, client, path, method, _fill(path, missing))
                hidden_says, missing_says = _masked(_detail(r), values), _masked(_detail(other), missing)
                if other.status_code != 404 or hidden_says != missing_says:
                    findings.append(
                        f"{where}: hidden says {hidden_says!r}, missing says {other.status_code} {missing_says!r}"
                    )
    assert not findings, f"the tenancy walk as {_a(role)}:\n" + "\n".join(findings)


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def _list(r: Any) -> list[Any]:
    body = r.json()
    return list(body["results"] if isinstance(body, dict) else body)


def test_an_outsider_cannot_reach_team_a_through_bodies_and_filters(world: World) -> None:
    """Operations without a path parameter that take one of team A's objects in a body or query."""
    outsider = world.clients["outsider"]
    before = state()
    slug, pid = world["endpoint"], world["pipeline"]
    writes = {
        "/api/schedules/": {"endpoint": slug, "cron": "0 6 * * *", "parameters": {}, "enabled": False},
        "/api/pipelines/": {"team": TEAM, "name": "mine"},
        "/api/pipelines/import/": {"team": TEAM, "document": {"kind": "pipewright.pipeline", "graph": {}}},
        "/api/modules/": {"team": TEAM, "name": "mine"},
    }
    findings = [
        f"POST {url} naming team A: {r.status_code} {_detail(r)}"
        for url, body in writes.items()
        if (r := outsider.post(url, body, format="json")).status_code != 404
    ]
    r = upload_csv(outsider, "mine", TEAM)
    if r.status_code != 404:
        findings.append(f"POST /api/datasets/ into team A: {r.status_code} {_detail(r)}")
    filters = [
        f"/api/runs/?pipeline={pid}",
        f"/api/endpoints/?pipeline={pid}",
        f"/api/endpoints/?team={TEAM}",
        f"/api/schedules/?endpoint={slug}",
        f"/api/pipelines/?team={TEAM}",
        f"/api/datasets/?team={TEAM}",
        f"/api/modules/?team={TEAM}",
    ]
    for url in filters:
        r = outsider.get(url)
        if r.status_code != 200 or _list(r):
            findings.append(f"GET {url}: {r.status_code} {r.content[:200]!r}")
    assert state() == before
    # a graph of the outsider's own naming team A's module and dataset compiles as if they did not exist
    mine = _ok(outsider.post("/api/pipelines/", {"team": "elsewhere", "name": "mine"}, format="json"))

    def errors(team: str, dataset: str) -> list[str]:
        doc = with_source(graph(team), dataset)
        r = outsider.post(f"/api/pipelines/{mine['id']}/validate", {"graph": doc}, format="json")
        _ok(r, 200)
        return [_masked(json.dumps(e, sort_keys=True), {"T": team}) for e in r.json()["errors"]]

    hidden, missing = errors(TEAM, f"{TEAM}/iris"), errors("zz-missing", "zz-missing/iris")
    if hidden != missing or not hidden:
        findings.append(f"a graph naming team A's module and dataset: {hidden} (missing ones: {missing})")
    assert not findings, "\n".join(findings)


@pytest.mark.redis
def test_an_outsider_gets_no_run_feed(world: World) -> None:
    """WebSocket /ws/runs/{id}/: an outsider is refused as for a run that does not exist, and is
    sent no snapshot; a viewer of the team gets the snapshot."""
    from runner.routing import websocket_urlpatterns

    async def frames(run_id: int, user: Any) -> tuple[list[dict[str, Any]], int | None]:
        comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/runs/{run_id}/")
        comm.scope["user"] = user
        connected, code = await comm.connect(timeout=5)
        if not connected:
            return [], code
        got: list[dict[str, Any]] = []
        while True:  # a refusal may be accepted, then closed with a code after an error frame
            out = await comm.receive_output(timeout=5)
            if out["type"] == "websocket.close":
                await comm.disconnect()  # the client goes, as a browser does on a close
                return got, out.get("code")
            got.append(json.loads(out["text"]))
            if got[-1].get("type") == "snapshot":
                await comm.disconnect()
                return got, None

    async def scenario() -> None:
        run_id = world["run"]
        hidden, hidden_code = await frames(run_id, world.users["outsider"])
        missing, missing_code = await frames(987654321, world.users["outsider"])
        assert hidden_code == missing_code == 4404
        assert not [f for f in hidden if f.get("type") != "error"]  # no snapshot, no event
        said = [(f.get("type"), _masked(str(f.get("detail")), {"R": run_id})) for f in hidden]
        assert said == [(f.get("type"), _masked(str(f.get("detail")), {"R": 987654321})) for f in missing]
        seen, code = await frames(run_id, world.users["viewer"])
        assert code is None and seen[-1]["type"] == "snapshot" and seen[-1]["run"]["id"] == run_id

    asyncio.run(scenario())
