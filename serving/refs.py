"""Artifact references an inference pipeline binds: the model of Score Model, the fitted state of
a preprocessing step. One string format, resolved in one place:

    run:<run id>/<node>/<port>     an output of a step of one of the team's runs
    model:<team>/<name>@<N|tag>    a registered model's version (registry), of the same team
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipewright.errors import LocatedError, NotFound
from registry.services import resolve_version
from runner import states
from runner.models import StepRun
from teams.models import Team

MODEL_REF = re.compile(r"^model:(?P<team>[^/\s]{1,100})/(?P<name>[^@\s]{1,200})@(?P<version>[^\s@]{1,100})$")
RUN_REF = re.compile(r"^run:(?P<run>\d{1,18})/(?P<node>[^/\s]{1,100})/(?P<port>[^/\s]{1,100})$")


@dataclass(frozen=True)
class ModelRef:
    sha256: str
    step_id: int | None  # None: a registered version whose run was deleted (its snapshot stays)
    port: str


def run_ref(run_id: int, node: str, port: str) -> str:
    return f"run:{run_id}/{node}/{port}"


def resolve_artifact(team: Team, ref: str, *, node: str, field: str) -> ModelRef:
    """The artifact `ref` names, checked to belong to `team`; a 400 naming the node and field."""
    where = {"node": node, "field": field}
    match = RUN_REF.match(ref or "")
    if match is None:
        raise LocatedError(
            f"Node '{node}': '{field}' must be a reference like run:<run id>/<node>/<port>, not {ref!r}.",
            [{**where, "message": "expected run:<run id>/<node>/<port>"}],
        )
    step = (
        StepRun.objects.filter(
            run_id=int(match["run"]), run__team=team, node=match["node"], status__in=[states.SUCCEEDED, states.CACHED]
        )
        .order_by("-id")
        .first()
    )
    sha = (step.outputs or {}).get(match["port"]) if step is not None else None
    if step is None or not sha:
        raise LocatedError(
            f"Node '{node}': {ref} names no finished output of one of team '{team.name}''s runs.",
            [{**where, "message": "no such finished step output in this team"}],
        )
    return ModelRef(sha256=str(sha), step_id=step.pk, port=match["port"])


def resolve_model(team: Team, ref: str, *, node: str = "score", field: str = "model") -> ModelRef:
    """The model artifact a Score Model node of an inference pipeline is bound to: a step output
    (`run:`) or a registered model version (`model:<team>/<name>@<N|tag>`, the same team's)."""
    match = MODEL_REF.match(ref or "")
    if match is None:
        return resolve_artifact(team, ref, node=node, field=field)
    where = {"node": node, "field": field}
    if match["team"] != team.name:
        raise LocatedError(
            f"Node '{node}': {ref} names another team's model; a deployment serves its own team's models.",
            [{**where, "message": "not this team's model"}],
        )
    try:
        version = resolve_version(team, match["name"], match["version"])
    except NotFound as exc:
        raise LocatedError(f"Node '{node}': {exc}", [{**where, "message": str(exc)}]) from exc
    return ModelRef(sha256=version.sha256, step_id=version.step_id, port=version.port)
