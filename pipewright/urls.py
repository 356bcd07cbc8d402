from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from pipewright import views
from teams.api.views import ObtainTokenView

api = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from our own static files; its start script is a separate request (no inline script)
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="teams/api_docs.html"),
        name="api-docs",
    ),
    path("", include("teams.api.urls")),
    path("", include("modules.api.urls")),
    path("", include("designer.api.urls")),
    path("", include("runner.api.urls")),
    path("", include("registry.api.urls")),
    path("", include("publishing.api.urls")),
    path("", include("serving.api.urls")),
]

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.health, name="health"),
    path("api/", include(api)),
    re_path(r"^(?!api/|static/|ws/)(?P<path>.*)$", views.spa, name="spa"),
]
