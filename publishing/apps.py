from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Endpoints and schedules"

    def ready(self) -> None:
        from publishing import signals  # noqa: F401  (connects the receivers)
