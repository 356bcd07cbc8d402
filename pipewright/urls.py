from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

from pipewright import views

api = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view loads its init script from a URL of its own: no inline script (CSP)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("teams.api.urls")),
    path("", include("modules.api.urls")),
    path("", include("designer.api.urls")),
    path("", include("runner.api.urls")),
    path("", include("publishing.api.urls")),
]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.health, name="health"),
    path("api/", include(api)),
    re_path(r"^(?!api/|static/|ws/)(?P<path>.*)$", views.spa, name="spa"),
]
