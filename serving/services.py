"""Every write to deployments goes through here. The supervisor makes the engine follow the rows.

Which versions run: the default, the canary, and the previous default (kept warm, so a rollback
is instant: it only moves the default back). Each runs its `replicas` count.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet

from designer.models import Pipeline
from designer.services import runnable_version
from pipewright.errors import Conflict, LocatedError
from serving.inference import compile_spec
from serving.models import Deployment, DeploymentToken, DeploymentVersion
from teams.models import Team

TOKEN_PREFIX = "pwd_"


def _field(field: str, message: str) -> LocatedError:
    return LocatedError(message, [{"field": field, "message": message}])


def running_versions() -> QuerySet[DeploymentVersion]:
    """The versions whose replicas should run (default, canary, previous default)."""
    return DeploymentVersion.objects.filter(
        Q(pk__in=Deployment.objects.values("default_version"))
        | Q(pk__in=Deployment.objects.filter(canary_percent__gt=0).values("canary_version"))
        | Q(pk__in=Deployment.objects.values("previous_version"))
    )


def _check_replicas(value: int) -> int:
    if not 0 <= value <= settings.SERVING_MAX_REPLICAS:
        raise _field("replicas", f"replicas must be between 0 and {settings.SERVING_MAX_REPLICAS}")
    return value


def _new_version(
    user: Any, deployment: Deployment, pipeline: Pipeline, number: int | None, replicas: int, memory_mb: int
) -> DeploymentVersion:
    if pipeline.team_id != deployment.team_id:
        raise _field("pipeline", "the inference pipeline belongs to another team than the deployment")
    version = runnable_version(pipeline, number)
    spec = compile_spec(deployment.team, version)
    last = deployment.versions.aggregate(n=Max("number"))["n"] or 0
    return DeploymentVersion.objects.create(
        deployment=deployment,
        number=last + 1,
        pipeline_version=version,
        spec=spec,
        replicas=_check_replicas(replicas),
        memory_mb=memory_mb,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def do_create_deployment(
    user: Any, team: Team, slug: str, pipeline: Pipeline, number: int | None, replicas: int = 1, memory_mb: int = 512
) -> Deployment:
    """A deployment `team/slug` whose version 1 (the default) serves the pipeline version."""
    try:
        with transaction.atomic():
            deployment = Deployment.objects.create(slug=slug, team=team, created_by=user)
            version = _new_version(user, deployment, pipeline, number, replicas, memory_mb)
            deployment.default_version = version
            deployment.save(update_fields=["default_version", "updated_at"])
    except IntegrityError:
        raise Conflict(f"The deployment slug '{slug}' is taken.", [{"field": "slug", "message": "taken"}]) from None
    return deployment


def do_add_version(
    user: Any,
    deployment: Deployment,
    pipeline: Pipeline,
    number: int | None,
    *,
    replicas: int = 1,
    memory_mb: int = 512,
    make_default: bool = False,
) -> DeploymentVersion:
    with transaction.atomic():
        locked = Deployment.objects.select_for_update().get(pk=deployment.pk)
        version = _new_version(user, locked, pipeline, number, replicas, memory_mb)
        if make_default:
            _set_default(locked, version)
    return version


def _set_default(deployment: Deployment, version: DeploymentVersion) -> None:
    if deployment.default_version_id != version.pk:
        deployment.previous_version_id = deployment.default_version_id
        deployment.default_version = version
    if deployment.canary_version_id == version.pk:
        deployment.canary_version, deployment.canary_percent = None, 0
    deployment.save()


def version_of(deployment: Deployment, number: Any, field: str) -> DeploymentVersion:
    found = deployment.versions.filter(number=number).first() if isinstance(number, int) else None
    if found is None:
        raise _field(field, f"deployment '{deployment.slug}' has no version {number}")
    return found


def do_update_routing(
    deployment: Deployment, *, default: int | None = None, canary: int | None = None, canary_percent: int | None = None
) -> Deployment:
    """Make a version the default and/or split `canary_percent` % of the traffic to `canary`."""
    with transaction.atomic():
        locked = Deployment.objects.select_for_update().get(pk=deployment.pk)
        if default is not None:
            _set_default(locked, version_of(locked, default, "default_version"))
        if canary is not None:
            version = version_of(locked, canary, "canary_version")
            if version.pk == locked.default_version_id:
                raise _field("canary_version", "the canary must be another version than the default")
            locked.canary_version = version
        if canary_percent is not None:
            if not 0 <= canary_percent <= 100:
                raise _field("canary_percent", "canary_percent must be between 0 and 100")
            if canary_percent and locked.canary_version_id is None:
                raise _field("canary_percent", "choose a canary_version first")
            locked.canary_percent = canary_percent
            if canary_percent == 0:
                locked.canary_version = None
        locked.save()
    return locked


def do_rollback(deployment: Deployment) -> Deployment:
    """The previous default becomes the default again at once (its replicas were kept running)."""
    with transaction.atomic():
        locked = Deployment.objects.select_for_update().get(pk=deployment.pk)
        if locked.previous_version_id is None:
            raise _field("default_version", "there is no previous default version to roll back to")
        previous = DeploymentVersion.objects.get(pk=locked.previous_version_id)
        locked.canary_version, locked.canary_percent = None, 0
        _set_default(locked, previous)
    return locked


def do_scale(version: DeploymentVersion, replicas: int) -> DeploymentVersion:
    version.replicas = _check_replicas(replicas)
    version.save(update_fields=["replicas"])
    return version


def do_delete_deployment(deployment: Deployment) -> None:
    deployment.delete()  # the supervisor stops the replicas whose rows went with it


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def do_create_token(user: Any, deployment: Deployment, name: str) -> tuple[DeploymentToken, str]:
    key = TOKEN_PREFIX + secrets.token_hex(20)
    token = DeploymentToken.objects.create(
        deployment=deployment, name=name, prefix=key[:12], digest=token_digest(key), created_by=user
    )
    return token, key


def do_revoke_token(deployment: Deployment, token_id: int) -> bool:
    deleted, _ = DeploymentToken.objects.filter(deployment=deployment, pk=token_id).delete()
    return deleted > 0
