from django.urls import path, re_path

from designer.api import datasets, endpoints, pipelines, schedules

urlpatterns = [
    path("pipelines/", pipelines.PipelineListView.as_view(), name="pipelines"),
    path("pipelines/<int:pk>/", pipelines.PipelineDetailView.as_view(), name="pipeline"),
    re_path(r"^pipelines/(?P<pk>\d+)/duplicate/?$", pipelines.PipelineDuplicateView.as_view(), name="pipeline-dup"),
    re_path(r"^pipelines/(?P<pk>\d+)/validate/?$", pipelines.PipelineValidateView.as_view(), name="pipeline-validate"),
    path("pipelines/<int:pk>/versions/", pipelines.VersionListView.as_view(), name="pipeline-versions"),
    path("pipelines/<int:pk>/versions/<int:number>/", pipelines.VersionDetailView.as_view(), name="pipeline-version"),
    re_path(
        r"^pipelines/(?P<pk>\d+)/versions/(?P<number>\d+)/diff/(?P<other>\d+)/?$",
        pipelines.VersionDiffView.as_view(),
        name="pipeline-version-diff",
    ),
    path("datasets/", datasets.DatasetListView.as_view(), name="datasets"),
    re_path(r"^pipelines/(?P<pk>\d+)/publish/?$", endpoints.PublishView.as_view(), name="pipeline-publish"),
    path("endpoints/", endpoints.EndpointListView.as_view(), name="endpoints"),
    path("endpoints/<slug:slug>/", endpoints.EndpointDetailView.as_view(), name="endpoint"),
    re_path(r"^endpoints/(?P<slug>[-a-zA-Z0-9_]+)/runs/?$", endpoints.EndpointRunsView.as_view(), name="endpoint-runs"),
    path("schedules/", schedules.ScheduleListView.as_view(), name="schedules"),
    path("schedules/<int:pk>/", schedules.ScheduleDetailView.as_view(), name="schedule"),
]
