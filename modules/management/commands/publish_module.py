"""Publish a module folder (spec.yaml + source files) as a new version for a team."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from modules import packaging, services
from modules import spec as specs
from modules.models import Module
from pipewright.errors import Conflict, LocatedError
from teams.models import Team


class Command(BaseCommand):
    help = "Publish DIR (spec.yaml + files) as a version of TEAM/<spec name>; creates the module if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="module folder holding spec.yaml and its source files")
        parser.add_argument("--team", required=True, help="owning team name")
        parser.add_argument("--default", action="store_true", help="also make this version the default")
        parser.add_argument("--user", help="record this username as the publisher")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(name=options["team"]).first()
        if team is None:
            raise CommandError(f"No team named '{options['team']}'.")
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named '{options['user']}'.")
        try:
            spec, files = packaging.read_module_dir(Path(options["dir"]))
        except specs.SpecError as exc:
            raise CommandError("spec.yaml: " + "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors))
        except packaging.PackagingError as exc:
            raise CommandError(str(exc))
        module = Module.objects.filter(team=team, name=spec["name"]).first()
        if module is None:
            module = services.do_create_module(
                team,
                spec["name"],
                display_name=spec["display_name"],
                category=spec["category"],
                description=spec["description"],
            )
        try:
            version = services.do_publish_version(module, spec, files, user=user, is_default=options["default"])
        except (Conflict, LocatedError) as exc:
            raise CommandError(str(exc.detail))
        self.stdout.write(
            f"published {module.ref}@{version.version} ({len(files)} files, digest {version.digest[:12]})"
        )
