from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    verbose_name = "Pipelines"

    def ready(self) -> None:
        from designer import signals  # noqa: F401  (connects the receivers)
