from django.apps import AppConfig


class RunnerConfig(AppConfig):
    name = "runner"
    verbose_name = "Runs and steps"

    def ready(self) -> None:
        from runner import tasks  # noqa: F401  (registers the Celery tasks by name in every process)
