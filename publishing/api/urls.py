from django.urls import path, re_path

from publishing.api import endpoints, schedules

urlpatterns = [
    re_path(r"^pipelines/(?P<pk>\d+)/publish/?$", endpoints.PublishView.as_view(), name="pipeline-publish"),
    path("endpoints/", endpoints.EndpointListView.as_view(), name="endpoints"),
    path("endpoints/<slug:slug>/", endpoints.EndpointDetailView.as_view(), name="endpoint"),
    re_path(r"^endpoints/(?P<slug>[-a-zA-Z0-9_]+)/runs/?$", endpoints.EndpointRunsView.as_view(), name="endpoint-runs"),
    path("schedules/", schedules.ScheduleListView.as_view(), name="schedules"),
    re_path(r"^schedules/preview/?$", schedules.CronPreviewView.as_view(), name="schedule-preview"),
    re_path(r"^schedules/(?P<pk>\d+)/runs/?$", schedules.ScheduleRunsView.as_view(), name="schedule-runs"),
    path("schedules/<int:pk>/", schedules.ScheduleDetailView.as_view(), name="schedule"),
]
