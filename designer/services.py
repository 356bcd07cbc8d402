"""Every write to pipelines and datasets goes through here (views validate, actions act)."""

from __future__ import annotations

from designer.errors import LocatedError
from designer.models import Pipeline, PipelineVersion


def runnable_version(pipeline: Pipeline, number: int | None = None) -> PipelineVersion:
    """The given version of `pipeline` (latest when None), or a 400 naming why it cannot run."""
    versions = PipelineVersion.objects.filter(pipeline=pipeline)
    version = versions.order_by("-number").first() if number is None else versions.filter(number=number).first()
    if version is None:
        if number is None:
            raise LocatedError(
                f"Pipeline '{pipeline.name}' has no saved version yet; save it first.",
                [{"field": "version", "message": "no saved version"}],
            )
        raise LocatedError(
            f"Pipeline '{pipeline.name}' has no version {number}.",
            [{"field": "version", "message": f"no version {number}"}],
        )
    if version.errors or version.plan is None:
        errors = [dict(e) for e in version.errors] or [{"field": "graph", "message": "the graph did not compile"}]
        first = errors[0].get("message", "")
        raise LocatedError(
            f"Version {version.number} of pipeline '{pipeline.name}' has {len(errors)} error(s) "
            f"and cannot run: {first}",
            errors,
        )
    return version
