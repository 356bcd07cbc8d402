"""The catalog's facet filters, read from the query string."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from compiler.catalog import PORT_TYPES
from modules import queries
from modules.models import VersionStatus
from pipewright.errors import LocatedError

STATUSES = (*VersionStatus.values, queries.UNPUBLISHED)


def catalog_filters(request: Request) -> dict[str, list[str]]:
    """The facet choices of a catalog request: repeated `category`, `team`, `port_type`, `status`
    (an unknown port type or status is a 400 naming the parameter)."""
    chosen = {f: [v.strip() for v in request.query_params.getlist(f) if v.strip()] for f in queries.FACETS}
    for facet, allowed in (("port_type", PORT_TYPES), ("status", STATUSES)):
        unknown = [v for v in chosen[facet] if v not in allowed]
        if unknown:
            raise LocatedError(
                f"{facet} {unknown[0]!r} is not one of {', '.join(allowed)}.",
                [{"field": facet, "message": f"unknown value {unknown[0]!r}; one of {', '.join(allowed)}"}],
            )
    return chosen


FACET_PARAMETERS = [
    OpenApiParameter("q", str, description="text in the name, display name, description or category"),
    OpenApiParameter("category", str, many=True, description="any of these categories (any case; repeat)"),
    OpenApiParameter("team", str, many=True, description="any of these teams' modules (`builtin`: the library)"),
    OpenApiParameter("port_type", str, many=True, enum=list(PORT_TYPES), description="an input or output of this type"),
    OpenApiParameter("status", str, many=True, enum=list(STATUSES), description="the featured version's status"),
]
