"""`manage.py serve_replicas`: the replica supervisor of real-time deployments (started by `make run`)."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from serving.supervisor import Supervisor


class Command(BaseCommand):
    help = "Keep every deployment's replica containers running (restart failed ones, scale, stop unused)."

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = {"now": False}

        def stop(*_: object) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("replica supervisor: running")
        Supervisor().run_forever(lambda: stopping["now"])
        self.stdout.write("replica supervisor: stopped")
