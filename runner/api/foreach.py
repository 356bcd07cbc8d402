"""A for-each node of a run (runner.foreach): its items' states in one compact answer, and its
items' steps page by page. A run's own JSON does not inline items (there may be thousands).

Over a sub-pipeline an item is several steps (`fe[i].<inner>`): the answer rolls them up into the
item's status and names the inner steps (`steps`); /items/ pages through the inner steps' rows,
each with its `step` (`?item=i` gives one item's, in body order)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pipewright import queryparams
from pipewright.errors import NotFound
from runner import states
from runner.advance import plan_of
from runner.api.views import RunObjectMixin
from runner.foreach import by_item, describe, inner_of, rollup
from runner.models import Run, StepRun
from runner.serializers import STEP_VALUES, StepSerializer, steps_json


class ForEachSerializer(serializers.Serializer):
    """A for-each node's roll-up and each item's status, in item order."""

    node = serializers.CharField()
    status = serializers.ChoiceField(choices=states.STEP_STATUSES, help_text="the for-each node's own status")
    over = serializers.ChoiceField(choices=["rows", "files", "list", "grid"])
    concurrency = serializers.IntegerField(help_text="at most this many items queued or running at once")
    total = serializers.IntegerField(help_text="items; 0 until the node's inputs are ready and it expands")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="status -> items in it")
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=states.STEP_STATUSES), help_text="item i's status at index i"
    )
    values = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        help_text="item i's value as people read it (`alpha=0.1, seed=2`, `row 3`, `file a.png`)",
    )
    error = serializers.CharField(allow_null=True)
    steps = serializers.ListField(
        child=serializers.CharField(),
        help_text="over a sub-pipeline: the inner steps each item runs, in order (its rows are"
        " `<node>[<i>].<step>`; `statuses` rolls them up per item); empty when the body is a module",
    )


class ForEachItemSerializer(StepSerializer):
    """One item's step, with its index and value."""

    item = serializers.IntegerField()
    value = serializers.CharField(allow_blank=True, help_text="the item's value as people read it")
    step = serializers.CharField(
        allow_blank=True, help_text="over a sub-pipeline: the inner step this row runs (`train`); else empty"
    )


class _ForEachMixin(RunObjectMixin):
    def foreach_row(self) -> tuple[Run, StepRun]:
        run = self.get_object()
        node = self.kwargs["foreach"]
        row = run.steps.filter(node=node, foreach=node, item__isnull=True).first()
        if row is None:
            raise NotFound(f"Run {run.pk} has no for-each node '{node}'.")
        return run, row


class ForEachView(_ForEachMixin, APIView):
    @extend_schema(
        operation_id="runs_foreach_retrieve",
        responses=ForEachSerializer,
        description="A for-each node's items: counts by status and each item's status, in item order "
        "(cheap for thousands of items: three queries, no step JSON).",
    )
    def get(self, request: Request, run_id: int, foreach: str) -> Response:
        run, row = self.foreach_row()
        node = row.node
        step = plan_of(run).step(node)
        spec = step.foreach
        assert spec is not None
        rows = StepRun.objects.filter(run_id=run.pk, foreach=node, item__isnull=False).order_by("item")
        if step.body:
            # one status per item, rolled up from its inner steps'; its value read once
            first = step.body[0].node
            grouped = by_item(rows.only("node", "item", "status"))
            values = dict(rows.filter(node__endswith=f"].{first}").values_list("item", "item_value"))
            items = [(rollup(r.status for r in inner.values()), values.get(i)) for i, inner in grouped.items()]
        else:
            items = list(rows.values_list("status", "item_value"))
        counts = dict.fromkeys(states.STEP_STATUSES, 0)
        for status, _ in items:
            counts[status] += 1
        data = {
            "node": node,
            "status": row.status,
            "over": spec.over,
            "concurrency": spec.concurrency,
            "total": len(items),
            "counts": counts,
            "statuses": [s for s, _ in items],
            "values": [describe(v) for _, v in items],
            "error": row.error or None,
            "steps": [s.node for s in step.body],
        }
        return Response(ForEachSerializer(data).data)


class ForEachItemsView(_ForEachMixin, generics.ListAPIView):
    serializer_class = ForEachItemSerializer
    ordering = ("item", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        run, row = self.foreach_row()
        items = StepRun.objects.filter(run_id=run.pk, foreach=row.node, item__isnull=False)
        statuses = queryparams.choices(request, "status", states.STEP_STATUSES)
        if statuses:
            items = items.filter(status__in=statuses)
        item = queryparams.integer_id(request, "item")
        if item is not None:
            items = items.filter(item=item)
        page = self.paginate_queryset(items)  # type: ignore[arg-type]
        assert page is not None
        rows = list(
            StepRun.objects.filter(pk__in=[s.pk for s in page])
            .order_by("item", "id")
            .values(*STEP_VALUES, "item_value")
        )
        results = [
            {**step, "item": r["item"], "value": describe(r["item_value"]), "step": inner_of(r["node"])}
            for step, r in zip(steps_json(rows), rows, strict=True)
        ]
        return self.get_paginated_response(results)

    @extend_schema(
        operation_id="runs_foreach_items_list",
        parameters=[
            OpenApiParameter(
                "status", str, description="only items in this status, or any of several: `failed,canceled`"
            ),
            OpenApiParameter("item", int, description="only this item (its index)"),
        ],
        description="A for-each node's items' steps, in item order, a page at a time.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
