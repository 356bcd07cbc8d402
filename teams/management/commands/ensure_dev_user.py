"""Create the development login (admin / admin, owner of team 'demo') when there is no user yet."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from teams.models import Membership, Role, Team


class Command(BaseCommand):
    help = "Create the development user admin/admin and team 'demo' if no user exists (PIPEWRIGHT_DEV only)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEV:
            raise CommandError("ensure_dev_user only runs with PIPEWRIGHT_DEV=1")
        users = get_user_model().objects
        if users.exists():
            self.stdout.write("dev user: users exist already; nothing to do")
            return
        admin = users.create_superuser("admin", "admin@localhost", "admin")
        team, _ = Team.objects.get_or_create(name="demo")
        Membership.objects.get_or_create(team=team, user=admin, defaults={"role": Role.OWNER})
        self.stdout.write(self.style.WARNING("dev user: created admin / admin (owner of team 'demo'); change it"))
