"""Load the built-in module library (modules/library/*) into the `builtin` team. Idempotent."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from modules import packaging, services
from modules import spec as specs
from pipewright.errors import Conflict
from teams.models import BUILTIN_TEAM, Team


class Command(BaseCommand):
    help = "Publish every built-in module version that is not yet in the catalog (refuses changed versions)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        team, _ = Team.objects.get_or_create(name=BUILTIN_TEAM)
        counts = {"published": 0, "unchanged": 0}
        problems: list[str] = []
        for folder in packaging.library_folders():
            try:
                spec, files = packaging.read_library_module(folder)
                outcome, module = services.do_load_module(team, spec, files)
            except specs.SpecError as exc:
                problems.append(
                    f"{folder.name}/spec.yaml: " + "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
                )
                continue
            except (packaging.PackagingError, Conflict) as exc:
                problems.append(f"{folder.name}: {getattr(exc, 'detail', exc)}")
                continue
            counts[outcome] += 1
            if outcome == "published" and options["verbosity"] >= 1:
                self.stdout.write(f"  published {module.ref}@{spec['version']}")
        if problems:
            raise CommandError("load_library refused:\n  " + "\n  ".join(problems))
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"library: {counts['published']} published, {counts['unchanged']} unchanged "
                f"({time.monotonic() - started:.2f}s)"
            )
