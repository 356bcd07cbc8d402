"""This installation's id (stable per database) and the names and labels it puts on containers."""

from __future__ import annotations

import functools
import uuid

from django.db import IntegrityError, transaction

from runner.models import Installation

LABEL = "pipewright.installation"


@functools.cache
def installation_id() -> str:
    """12 hex digits, made once per database and read once per process."""
    row = Installation.objects.filter(pk=1).first()
    if row is None:
        try:
            with transaction.atomic():
                row = Installation.objects.create(pk=1, key=uuid.uuid4().hex[:12])
        except IntegrityError:  # another process made it first
            row = Installation.objects.get(pk=1)
    return row.key


def container_name(step_run_id: int, attempt: int) -> str:
    return f"pw-{installation_id()}-{step_run_id}-{attempt}"


def labels() -> dict[str, str]:
    return {LABEL: installation_id()}
