"""Runs, their steps, stored artifacts, the step cache and the run event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models import Pipeline, PipelineVersion
from runner import states
from teams.models import Team


class Run(models.Model):
    STATUS_CHOICES = [(s, s) for s in states.RUN_STATUSES]
    RERUN_MODES = [("", "none"), ("all", "all"), ("failed", "failed"), ("from", "from")]

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="runs")
    pipeline_version = models.ForeignKey(PipelineVersion, on_delete=models.CASCADE, related_name="runs")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="runs")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    rerun_mode = models.CharField(max_length=8, choices=RERUN_MODES, blank=True, default="")
    # the run whose pipeline version was opened in the editor to make this run's version (lineage)
    cloned_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    plan = models.JSONField()  # the Plan snapshot this run executes
    parameters = models.JSONField(default=dict, blank=True)
    use_cache = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=states.PENDING, db_index=True)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    event_seq = models.IntegerField(default=0)
    # what started the run when not a person in the UI or API: "endpoint:<slug>", "schedule:<id>"
    trigger = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class StepRun(models.Model):
    STATUS_CHOICES = [(s, s) for s in states.STEP_STATUSES]

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    node = models.CharField(max_length=100)
    # the node's label on the canvas when the run started (blank: none; show the module's name)
    label = models.CharField(max_length=200, blank=True, default="")
    module = models.CharField(max_length=200)
    version = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=states.PENDING, db_index=True)
    attempt = models.IntegerField(default=0)
    cache_key = models.CharField(max_length=64, blank=True, default="")
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # in-flight reuse: the step with the same key (this team's, queued or running) this one waits for
    following = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followers")
    # the content digest of the step's image when its key was made (the key uses it, not the tag)
    image_id = models.CharField(max_length=100, blank=True, default="")
    force = models.BooleanField(default=False)
    queue = models.CharField(max_length=32, blank=True, default="")
    worker_id = models.CharField(max_length=200, blank=True, default="")
    # the host whose worker claimed the current attempt (its engine runs the container)
    host = models.CharField(max_length=100, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    container_name = models.CharField(max_length=100, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    outputs = models.JSONField(default=dict, blank=True)  # {port: sha256}
    input_hashes = models.JSONField(default=dict, blank=True)  # {port: sha256}
    params = models.JSONField(default=dict, blank=True)  # resolved parameters
    metrics = models.JSONField(default=dict, blank=True)
    log_path = models.CharField(max_length=500, blank=True, default="")
    # when the attempt passed each point (ISO timestamps; a key is missing when it did not happen):
    # queued_at, claimed_at, container_started_at, container_exited_at, outputs_stored_at, finished_at
    timings = models.JSONField(default=dict, blank=True)
    # from the container's cgroup while it ran (null when unknown: see docs/operations.md)
    cpu_seconds = models.FloatField(null=True, blank=True)
    peak_memory_bytes = models.BigIntegerField(null=True, blank=True)
    # for each (runner.foreach): an item's step names its for-each node here and carries its index
    # and value (node `<foreach>[<item>]`); the for-each node's own row has `foreach` = its node and
    # no item: it is running while its items are, then holds the gathered outputs
    foreach = models.CharField(max_length=100, blank=True, default="")
    item = models.IntegerField(null=True, blank=True)
    item_value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "node"], name="one_step_run_per_node")]
        # a for-each's items in order, and their counts by status (runner.foreach)
        indexes = [models.Index(fields=["run", "foreach", "item"], name="step_foreach_items")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.node} ({self.status})"


class StepLogChunk(models.Model):
    """A piece of a step's log (runner.steplogs): bytes at `offset` of the step's one log, which
    runs on across attempts (a retry's lines follow the earlier attempts', after a header line).
    A worker appends chunks as the step prints (a few per second); when the attempt ends they are
    compacted into pieces of about a MiB. Nothing of it lives on a worker's disk."""

    step = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="log_chunks", db_index=False)
    attempt = models.IntegerField()
    offset = models.BigIntegerField()
    size = models.IntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["step_id", "offset"]
        constraints = [models.UniqueConstraint(fields=["step", "offset"], name="one_log_chunk_per_offset")]

    def __str__(self) -> str:
        return f"log of step {self.step_id} @{self.offset}+{self.size}"


class Artifact(models.Model):
    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField(default=0)
    media_type = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256


class CacheEntry(models.Model):
    """A step run whose outputs later steps of the same team may reuse. The cache belongs to a
    team: the key is the same for every team (sha256 of the ingredients), the lookup is by
    (team, key), never by the key alone, so no team reuses, or learns of, another team's step."""

    # no index of its own: the (team, cache_key) constraint's index starts with it
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    cache_key = models.CharField(max_length=64)
    node = models.CharField(max_length=100, blank=True, default="")
    module = models.CharField(max_length=200, blank=True, default="")
    step_run = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="+")
    outputs = models.JSONField(default=dict)
    module_digest = models.CharField(max_length=64)
    image = models.CharField(max_length=300, blank=True, default="")  # the tag, to name it in explanations
    image_id = models.CharField(max_length=100, blank=True, default="")
    params = models.JSONField(default=dict)
    input_hashes = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # its index serves the lookup of a ready step: WHERE team_id = %s AND cache_key = %s
            models.UniqueConstraint(fields=["team", "cache_key"], name="one_cache_entry_per_team_key")
        ]
        # the explanation of a miss: the team's newest entries of one module
        indexes = [models.Index(fields=["team", "module", "-created_at"], name="cache_team_module_newest")]

    def __str__(self) -> str:
        return self.cache_key


class InFlight(models.Model):
    """The one step of a team executing a cache key right now (its leader): a step with the same
    key that becomes ready meanwhile waits for it and reuses its outputs (runner.inflight). The
    unique (team, cache_key) makes the claim atomic across workers; a claim whose leader is no
    longer queued or running is stale and taken over by the next claimant."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    cache_key = models.CharField(max_length=64)
    leader = models.OneToOneField(StepRun, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "cache_key"], name="one_inflight_per_team_key")]

    def __str__(self) -> str:
        return f"{self.cache_key} <- {self.leader_id}"


class RunEvent(models.Model):
    """Every event a run published, so a reconnecting client can fetch what it missed."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.IntegerField()
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="one_event_per_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq}"


class Installation(models.Model):
    """One row: this installation's id, made with its database. Container names and labels carry
    it, so installations sharing a Docker engine never touch each other's containers."""

    key = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class WorkerHost(models.Model):
    """A machine that runs step workers (settings.PIPEWRIGHT_HOST_ID): its own Docker engine and
    work folders, its own queue `host.<id>` (janitor, kills). `last_seen` is the database's clock
    when one of its workers last started, claimed a step or ran its janitor."""

    host_id = models.CharField(max_length=100, unique=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["host_id"]

    def __str__(self) -> str:
        return self.host_id


class Trial(models.Model):
    """A try-out of a module draft from the module editor: the unpublished spec and files run once
    in a real container on chosen inputs (a dataset version or a sample table). It is no module
    version: nothing else can run it, the catalog never lists it, and the sweep deletes it after
    `PIPEWRIGHT_TRIAL_KEEP_SECONDS`. Its outputs are ordinary artifacts its team can preview."""

    STATUSES = ["queued", "running", "succeeded", "failed"]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey("modules.Module", on_delete=models.CASCADE, related_name="trials")
    spec = models.JSONField()
    files = models.JSONField(default=dict)
    params = models.JSONField(default=dict)  # defaults filled
    inputs = models.JSONField(default=dict)  # {port: sha256}
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default="queued")
    container_name = models.CharField(max_length=100, blank=True, default="")
    log_path = models.CharField(max_length=500, blank=True, default="")
    exit_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    outputs = models.JSONField(default=dict, blank=True)  # {port: sha256}
    metrics = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["module", "-created_at"], name="trial_module_newest")]

    def __str__(self) -> str:
        return f"trial {self.pk} ({self.status})"
