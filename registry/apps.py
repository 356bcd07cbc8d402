from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Model registry and lineage"

    def ready(self) -> None:
        from registry import hooks  # noqa: F401  (connects the runner's step_succeeded receiver)
