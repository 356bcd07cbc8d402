from django.urls import path, re_path

from registry.api import views

urlpatterns = [
    path("models/", views.ModelListView.as_view(), name="models"),
    re_path(r"^models/register/?$", views.RegisterView.as_view(), name="models-register"),
    path("models/<int:id>/", views.ModelDetailView.as_view(), name="model"),
    path("models/<int:id>/versions/", views.VersionListView.as_view(), name="model-versions"),
    path("models/<int:id>/versions/<int:version>/", views.VersionDetailView.as_view(), name="model-version"),
    re_path(r"^models/(?P<id>\d+)/compare/?$", views.CompareView.as_view(), name="model-compare"),
    re_path(
        r"^lineage/artifacts/(?P<sha256>[0-9a-f]{64})/?$", views.ArtifactLineageView.as_view(), name="lineage-artifact"
    ),
    re_path(
        r"^lineage/models/(?P<id>\d+)/versions/(?P<version>\d+)/?$",
        views.ModelVersionLineageView.as_view(),
        name="lineage-model-version",
    ),
    re_path(
        r"^lineage/datasets/(?P<team>[^/]+)/(?P<name>[^/]+)/versions/(?P<number>\d+)/?$",
        views.DatasetVersionLineageView.as_view(),
        name="lineage-dataset-version",
    ),
    re_path(r"^lineage/diff/?$", views.LineageDiffView.as_view(), name="lineage-diff"),
]
