from django.urls import path, re_path

from runner.api import foreach, trials, views

urlpatterns: list = [
    path("pipelines/<int:pipeline_id>/runs/", views.PipelineRunsView.as_view(), name="pipeline-runs"),
    path("runs/", views.RunListView.as_view(), name="runs"),
    re_path(r"^runs/compare/?$", views.RunCompareView.as_view(), name="runs-compare"),
    path("runs/<int:run_id>/", views.RunDetailView.as_view(), name="run"),
    re_path(r"^runs/(?P<run_id>\d+)/cancel/?$", views.RunCancelView.as_view(), name="run-cancel"),
    re_path(r"^runs/(?P<run_id>\d+)/rerun/?$", views.RunRerunView.as_view(), name="run-rerun"),
    re_path(r"^runs/(?P<run_id>\d+)/steps/(?P<node>[^/]+)/logs/?$", views.StepLogsView.as_view(), name="step-logs"),
    re_path(r"^runs/(?P<run_id>\d+)/steps/(?P<node>[^/]+)/cache/?$", views.StepCacheView.as_view(), name="step-cache"),
    re_path(r"^runs/(?P<run_id>\d+)/foreach/(?P<foreach>[^/]+)/?$", foreach.ForEachView.as_view(), name="run-foreach"),
    re_path(
        r"^runs/(?P<run_id>\d+)/foreach/(?P<foreach>[^/]+)/items/?$",
        foreach.ForEachItemsView.as_view(),
        name="run-foreach-items",
    ),
    path("trials/", trials.TrialListView.as_view(), name="trials"),
    path("trials/<int:trial_id>/", trials.TrialDetailView.as_view(), name="trial"),
    re_path(r"^artifacts/(?P<sha256>[0-9a-f]{64})/?$", views.ArtifactView.as_view(), name="artifact"),
    re_path(
        r"^artifacts/(?P<sha256>[0-9a-f]{64})/preview/?$", views.ArtifactPreviewView.as_view(), name="artifact-preview"
    ),
]
