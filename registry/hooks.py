"""The register-model hook: when a step of a module named `register-model` succeeds, the model on
its `model` input becomes the next version of `<team>/<name>` (registry.services.register_from_step).
Connected in RegistryConfig.ready(); the runner sends the signal and knows nothing of the registry."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from registry.services import register_from_step
from runner.models import StepRun
from runner.signals import step_succeeded


@receiver(step_succeeded, dispatch_uid="registry.register_model_step")
def register_model_step(sender: Any, step: StepRun, **kwargs: Any) -> None:
    register_from_step(step)
