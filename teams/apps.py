from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Teams and roles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from pipewright.authlimits import on_login_failed
        from teams import schema  # noqa: F401  (registers the OpenAPI description of token auth)

        # Failed sign-ins of the login page and of the token endpoint: logged and counted.
        user_login_failed.connect(on_login_failed, dispatch_uid="pipewright-auth-failures")
