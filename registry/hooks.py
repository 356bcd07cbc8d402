"""The register-model hook: when a run finishes, every succeeded step of a module named
`register-model` registers the model on its `model` input as the next version of `<team>/<name>`
(registry.services.register_from_step). Connected in RegistryConfig.ready(); the runner sends the
signal and knows nothing of the registry."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from registry.services import register_from_step, register_steps_of
from runner.signals import run_finished

log = logging.getLogger(__name__)


@receiver(run_finished, dispatch_uid="registry.register_model_steps")
def register_model_steps(sender: Any, run_id: int, **kwargs: Any) -> None:
    for step in register_steps_of(run_id):
        try:
            register_from_step(step)
        except Exception as exc:  # one bad step (an invalid name, say) does not stop the others
            log.error("run %s step %s: the model was not registered: %s", run_id, step.node, exc)
