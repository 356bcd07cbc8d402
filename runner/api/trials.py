"""The module editor's "Try it": run a draft (unpublished spec + files) once on chosen inputs, and
follow it (status, log from an offset, outputs)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import DatasetVersion
from modules import queries as catalog
from modules.api.serializers import PublishSerializer
from pipewright.errors import Forbidden, LocatedError, NotFound
from runner import trials
from runner.models import Trial
from teams import scoping
from teams.models import Role

MAX_SAMPLE_CHARS = 1_000_000


class TrialInputSerializer(serializers.Serializer):
    dataset = serializers.CharField(required=False, max_length=200, help_text="team/name of a dataset you can see")
    version = serializers.IntegerField(required=False, min_value=1, help_text="its version (default: the newest)")
    csv = serializers.CharField(
        required=False, max_length=MAX_SAMPLE_CHARS, trim_whitespace=False, help_text="or a sample table (CSV text)"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("dataset" in attrs) == ("csv" in attrs):
            raise serializers.ValidationError("give either a dataset or a csv sample")
        return attrs


class TrialCreateSerializer(PublishSerializer):
    module = serializers.CharField(max_length=130, help_text="team/name of the module the draft belongs to")
    parameters = serializers.DictField(required=False, default=dict, help_text="parameter values (defaults filled)")
    inputs = serializers.DictField(child=TrialInputSerializer(), required=False, default=dict, help_text="by port")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for unused in ("is_default", "changelog"):
            fields.pop(unused, None)
        return fields


class TrialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    module = serializers.CharField(source="module.ref")
    status = serializers.ChoiceField(choices=[(s, s) for s in Trial.STATUSES])
    params = serializers.JSONField()
    inputs = serializers.DictField(child=serializers.CharField(), help_text="port -> sha256 of the input artifact")
    outputs = serializers.DictField(
        child=serializers.CharField(), help_text="port -> sha256 (preview: /api/artifacts/)"
    )
    output_types = serializers.SerializerMethodField()
    metrics = serializers.JSONField()
    exit_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    log = serializers.SerializerMethodField(help_text="the log from `?offset=` on")
    log_offset = serializers.SerializerMethodField(help_text="pass it as `?offset=` to read on")

    def _log(self, obj: Trial) -> tuple[str, int]:
        if not hasattr(obj, "_log_cache"):
            obj._log_cache = trials.read_log(obj, int(self.context.get("offset", 0)))  # type: ignore[attr-defined]
        return obj._log_cache  # type: ignore[attr-defined,no-any-return]

    def get_log(self, obj: Trial) -> str:
        return self._log(obj)[0]

    def get_log_offset(self, obj: Trial) -> int:
        return self._log(obj)[1]

    def get_output_types(self, obj: Trial) -> dict[str, str]:
        return {str(p.get("name")): str(p.get("type")) for p in obj.spec.get("outputs") or []}


def _params(spec: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.get("parameters") or {}
    errors = [
        {"field": f"parameters.{name}", "message": "is not a parameter of the draft"}
        for name in given
        if name not in schemas
    ]
    values: dict[str, Any] = {}
    for name, schema in schemas.items():
        if name in given:
            validator = Draft202012Validator(schema)
            if not validator.is_valid(given[name]):
                error = best_match(validator.iter_errors(given[name]))
                errors.append({"field": f"parameters.{name}", "message": error.message if error else "invalid"})
                continue
            values[name] = given[name]
        elif "default" in schema:
            values[name] = schema["default"]
    if errors:
        raise LocatedError("The trial's parameters are not valid.", errors)
    return values


def _inputs(user: Any, spec: dict[str, Any], given: dict[str, dict[str, Any]]) -> dict[str, str]:
    ports = {p["name"]: p for p in spec.get("inputs") or []}
    errors = [
        {"field": f"inputs.{port}", "message": "is not an input of the draft"} for port in given if port not in ports
    ]
    errors += [
        {"field": f"inputs.{name}", "message": "is required: choose a dataset or type a sample"}
        for name, port in ports.items()
        if not port.get("optional") and name not in given
    ]
    if errors:
        raise LocatedError("The trial's inputs are not valid.", errors)
    shas: dict[str, str] = {}
    teams = list(scoping.visible_team_ids(user))
    for port, choice in given.items():
        if "csv" in choice:
            shas[port] = trials.store_sample(choice["csv"])
            continue
        team, _, name = str(choice["dataset"]).partition("/")
        rows = DatasetVersion.objects.filter(dataset__team_id__in=teams, dataset__team__name=team, dataset__name=name)
        if "version" in choice:
            rows = rows.filter(version=choice["version"])
        found = rows.order_by("-version").first()
        if found is None:
            wanted = f"{choice['dataset']}" + (f" version {choice['version']}" if "version" in choice else "")
            raise LocatedError(
                f"There is no dataset {wanted}.",
                [{"field": f"inputs.{port}.dataset", "message": f"no dataset {wanted}"}],
            )
        shas[port] = found.artifact
    return shas


class TrialListView(APIView):
    @extend_schema(
        operation_id="trials_create",
        request=TrialCreateSerializer,
        responses={201: TrialSerializer},
        description="Try a module draft: its spec and files (unpublished) run once in a container, under "
        "the same contract and limits as a step, on a dataset version or a sample table per input port. "
        "Maintainers and owners of the module's team. Trials are never listed in the catalog and are "
        "deleted after PIPEWRIGHT_TRIAL_KEEP_SECONDS.",
    )
    def post(self, request: Request) -> Response:
        body = TrialCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team, _, name = data["module"].partition("/")
        try:
            module = catalog.get_module(request.user, team, name)
        except NotFound:
            raise LocatedError(
                f"There is no module {data['module']}.", [{"field": "module", "message": "no such module"}]
            )
        if not scoping.has_role(request.user, module.team, Role.MAINTAINER):
            raise Forbidden(f"Only a maintainer or higher of team '{module.team.name}' can try drafts of {module.ref}.")
        params = _params(data["spec"], data["parameters"])
        inputs = _inputs(request.user, data["spec"], data["inputs"])
        trial = trials.do_start_trial(module, data["spec"], data.get("files") or {}, params, inputs, user=request.user)
        trial.module = module
        return Response(TrialSerializer(trial).data, status=status.HTTP_201_CREATED)


class TrialDetailView(APIView):
    @extend_schema(
        operation_id="trials_retrieve",
        parameters=[OpenApiParameter("offset", int, description="return the log from this byte on")],
        responses={200: TrialSerializer},
        description="A trial's status, outputs and log (poll with `?offset=` the last `log_offset`).",
    )
    def get(self, request: Request, trial_id: int) -> Response:
        trial = scoping.scope(Trial.objects.select_related("module__team"), request.user).filter(pk=trial_id).first()
        if trial is None:
            raise NotFound("Trial not found.")
        raw = request.query_params.get("offset", "0").strip() or "0"
        if not raw.isdigit() or len(raw) > 15:
            raise LocatedError(
                "offset must be a byte offset.", [{"field": "offset", "message": "must be an integer >= 0"}]
            )
        return Response(TrialSerializer(trial, context={"offset": int(raw)}).data)
