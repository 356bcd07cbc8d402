"""The compiled form of a pipeline, shared by the compiler (producer) and the runner (consumer).

Frozen dataclasses, JSON round-trippable with `Plan.to_json()` / `Plan.from_json()`.
Parameter values inside `Step.params` are either literals or `{"$param": "<pipeline parameter>"}`;
`Step.resolve_params(run_parameters)` substitutes them for one run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from compiler.conditions import Condition

PLAN_FORMAT = 1


def is_binding(value: Any) -> bool:
    """`{"$param": name}`: a module parameter bound to a pipeline parameter."""
    return isinstance(value, dict) and set(value) == {"$param"}


@dataclass(frozen=True)
class InputBinding:
    """Where one input port of a step reads from: an upstream step's output, or a dataset."""

    port: str
    type: str
    source_node: str | None = None  # upstream step's node id
    source_port: str | None = None
    dataset: str | None = None  # "team/name"
    dataset_version: int | None = None
    artifact: str | None = None  # sha256 of the dataset version's content, resolved at compile time


@dataclass(frozen=True)
class Runtime:
    image: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    cpu: float = 1.0
    memory_bytes: int = 1024**3
    timeout: int = 600
    retries: int = 0
    gpus: int = 0  # passed to Docker as a device request; refused at run start where none are declared
    cache: bool = True  # False: never reused from the cache (nor from a step in flight)
    cache_max_age: int | None = None  # seconds: reuse only cache entries younger than this


@dataclass(frozen=True)
class ForEach:
    """A for-each node's item source (compiler.foreach): the step is the body, run once per item."""

    over: str  # rows | files | list | grid
    port: str = ""  # rows, files: the body input whose table or folder is split into items
    param: str = ""  # list: the body parameter each item sets
    values: Any = None  # list: the values, or {"$param": name} (an array pipeline parameter)
    grid: dict[str, list[Any]] | None = None  # grid: parameter -> values (cartesian product)
    concurrency: int = 4  # at most this many items queued or running at once

    def to_json(self) -> dict[str, Any]:
        return {
            "over": self.over,
            "port": self.port,
            "param": self.param,
            "values": self.values,
            "grid": self.grid,
            "concurrency": self.concurrency,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ForEach | None:
        if data is None:
            return None
        return cls(
            over=data["over"],
            port=data.get("port", ""),
            param=data.get("param", ""),
            values=data.get("values"),
            grid=data.get("grid"),
            concurrency=data.get("concurrency", 4),
        )


@dataclass(frozen=True)
class Step:
    node: str
    module: str  # "team/name"
    version: str  # "1.2.0", pinned
    module_version_id: int
    digest: str  # the module version's sha256 (interface + files + image)
    deterministic: bool
    params: dict[str, Any]  # every parameter, defaults filled; bindings as {"$param": name}
    inputs: tuple[InputBinding, ...]
    outputs: tuple[tuple[str, str], ...]  # (port name, type)
    runtime: Runtime
    label: str = ""
    # JSON Schemas of the module parameters bound to pipeline parameters, so a run's values are
    # checked from the plan alone
    param_schemas: dict[str, Any] = field(default_factory=dict)
    # runs only when this holds (else `skipped` with the reason); compiler.conditions
    condition: Condition | None = None
    # an "always run" exit step: runs once every other step has finished, whatever their outcome
    exit: bool = False
    # nodes that must finish first besides those feeding an input (the node a condition reads)
    after: tuple[str, ...] = ()
    # a for-each node: this step is the body, run once per item, and `outputs` are the gathered ones
    foreach: ForEach | None = None
    # a for-each node's body outputs (what each item writes); empty for other steps
    item_outputs: tuple[tuple[str, str], ...] = ()
    # a for-each over a sub-pipeline (compiler.subforeach): the inner steps each item runs (node
    # names relative to the item, in a topological order; parameters each item sets bound as
    # {"$param": "$item.<name>"}); which inner input reads which of this node's inputs; and which
    # inner output each of the sub-pipeline's outputs is. Empty for a module body.
    body: tuple[Step, ...] = ()
    body_inputs: tuple[tuple[str, str, str], ...] = ()  # (inner node, inner port, this node's input)
    body_outputs: tuple[tuple[str, str, str], ...] = ()  # (output, inner node, inner port)

    def inner(self, node: str) -> Step:
        """The body step named `node` (relative to the item)."""
        for s in self.body:
            if s.node == node:
                return s
        raise KeyError(node)

    def resolve_params(self, run_parameters: dict[str, Any]) -> dict[str, Any]:
        resolved: dict[str, Any] = {}
        for name, value in self.params.items():
            if is_binding(value):
                resolved[name] = run_parameters[value["$param"]]
            else:
                resolved[name] = value
        return resolved

    @property
    def upstream(self) -> tuple[str, ...]:
        fed = {b.source_node for b in self.inputs if b.source_node is not None}
        return tuple(sorted(fed | set(self.after)))


@dataclass(frozen=True)
class PipelineParameter:
    name: str
    type: str
    default: Any = None


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]  # a topological order, deterministic
    parameters: tuple[PipelineParameter, ...] = ()
    format: int = field(default=PLAN_FORMAT)

    def step(self, node: str) -> Step:
        for s in self.steps:
            if s.node == node:
                return s
        raise KeyError(node)

    def every_step(self) -> tuple[Step, ...]:
        """The steps and, for a for-each over a sub-pipeline, its inner steps named
        `<node>.<inner>` (what may run: pinned module versions, images, GPUs)."""
        out: list[Step] = []
        for s in self.steps:
            out.append(s)
            out += [replace(b, node=f"{s.node}.{b.node}") for b in s.body]
        return tuple(out)

    def parameter_values(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """Pipeline parameter values for a run: the given ones over the defaults."""
        values = {p.name: p.default for p in self.parameters}
        values.update(given or {})
        return values

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # a Condition becomes its fields' dict, as Condition.to_json

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        steps = tuple(_step_from_json(s) for s in data["steps"])
        params = tuple(PipelineParameter(**p) for p in data.get("parameters", []))
        return cls(steps=steps, parameters=params, format=data.get("format", PLAN_FORMAT))


def _step_from_json(s: dict[str, Any]) -> Step:
    return Step(
        node=s["node"],
        module=s["module"],
        version=s["version"],
        module_version_id=s["module_version_id"],
        digest=s["digest"],
        deterministic=s["deterministic"],
        params=dict(s["params"]),
        inputs=tuple(InputBinding(**b) for b in s["inputs"]),
        outputs=tuple((p[0], p[1]) for p in s["outputs"]),
        runtime=Runtime(
            image=s["runtime"]["image"],
            command=tuple(s["runtime"]["command"]),
            env=tuple((e[0], e[1]) for e in s["runtime"]["env"]),
            cpu=s["runtime"]["cpu"],
            memory_bytes=s["runtime"]["memory_bytes"],
            timeout=s["runtime"]["timeout"],
            retries=s["runtime"]["retries"],
            gpus=s["runtime"].get("gpus", 0),
            cache=s["runtime"].get("cache", True),
            cache_max_age=s["runtime"].get("cache_max_age"),
        ),
        label=s.get("label", ""),
        param_schemas=dict(s.get("param_schemas", {})),
        condition=Condition.from_json(s.get("condition")),
        exit=bool(s.get("exit", False)),
        after=tuple(s.get("after", ())),
        foreach=ForEach.from_json(s.get("foreach")),
        item_outputs=tuple((p[0], p[1]) for p in s.get("item_outputs", ())),
        body=tuple(_step_from_json(b) for b in s.get("body", ())),
        body_inputs=tuple((b[0], b[1], b[2]) for b in s.get("body_inputs", ())),
        body_outputs=tuple((b[0], b[1], b[2]) for b in s.get("body_outputs", ())),
    )
