from django.urls import path, re_path

from serving.api import views

urlpatterns = [
    re_path(r"^pipelines/(?P<pk>\d+)/inference/?$", views.InferenceCreateView.as_view(), name="pipeline-inference"),
    path("deployments/", views.DeploymentListView.as_view(), name="deployments"),
    path("deployments/<slug:slug>/", views.DeploymentDetailView.as_view(), name="deployment"),
    re_path(r"^deployments/(?P<slug>[-a-zA-Z0-9_]+)/score/?$", views.score_view, name="deployment-score"),
    re_path(r"^deployments/(?P<slug>[-a-zA-Z0-9_]+)/try/?$", views.TryView.as_view(), name="deployment-try"),
    re_path(
        r"^deployments/(?P<slug>[-a-zA-Z0-9_]+)/rollback/?$", views.RollbackView.as_view(), name="deployment-rollback"
    ),
    path("deployments/<slug:slug>/versions/", views.VersionListView.as_view(), name="deployment-versions"),
    path(
        "deployments/<slug:slug>/versions/<int:number>/", views.VersionDetailView.as_view(), name="deployment-version"
    ),
    path("deployments/<slug:slug>/tokens/", views.TokenListView.as_view(), name="deployment-tokens"),
    path("deployments/<slug:slug>/tokens/<int:token_id>/", views.TokenDetailView.as_view(), name="deployment-token"),
]
