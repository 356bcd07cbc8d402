from django.urls import path, re_path

from designer.api import datasets, pipelines, samples, usage

urlpatterns = [
    re_path(r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/usage/?$", usage.ModuleUsageView.as_view(), name="module-usage"),
    path("pipelines/", pipelines.PipelineListView.as_view(), name="pipelines"),
    re_path(r"^pipelines/import/?$", pipelines.PipelineImportView.as_view(), name="pipeline-import"),
    re_path(r"^pipelines/(?P<pk>\d+)/export/?$", pipelines.PipelineExportView.as_view(), name="pipeline-export"),
    path("pipelines/<int:pk>/", pipelines.PipelineDetailView.as_view(), name="pipeline"),
    re_path(r"^pipelines/(?P<pk>\d+)/duplicate/?$", pipelines.PipelineDuplicateView.as_view(), name="pipeline-dup"),
    re_path(r"^pipelines/(?P<pk>\d+)/validate/?$", pipelines.PipelineValidateView.as_view(), name="pipeline-validate"),
    re_path(
        r"^pipelines/(?P<pk>\d+)/upgrade-preview/?$",
        pipelines.PipelineUpgradePreviewView.as_view(),
        name="pipeline-upgrade-preview",
    ),
    path("pipelines/<int:pk>/versions/", pipelines.VersionListView.as_view(), name="pipeline-versions"),
    path("pipelines/<int:pk>/versions/<int:number>/", pipelines.VersionDetailView.as_view(), name="pipeline-version"),
    re_path(
        r"^pipelines/(?P<pk>\d+)/versions/(?P<number>\d+)/diff/(?P<other>\d+)/?$",
        pipelines.VersionDiffView.as_view(),
        name="pipeline-version-diff",
    ),
    path("samples/", samples.SampleListView.as_view(), name="samples"),
    re_path(r"^samples/(?P<slug>[^/]+)/open/?$", samples.SampleOpenView.as_view(), name="sample-open"),
    path("datasets/", datasets.DatasetListView.as_view(), name="datasets"),
    path("datasets/limits/", datasets.DatasetLimitsView.as_view(), name="dataset-limits"),
    path("datasets/<str:team>/<str:name>/", datasets.DatasetDetailView.as_view(), name="dataset"),
    re_path(
        r"^datasets/(?P<team>[^/]+)/(?P<name>[^/]+)/archive/?$",
        datasets.DatasetArchiveView.as_view(),
        name="dataset-archive",
    ),
    re_path(
        r"^datasets/(?P<team>[^/]+)/(?P<name>[^/]+)/unarchive/?$",
        datasets.DatasetUnarchiveView.as_view(),
        name="dataset-unarchive",
    ),
    re_path(
        r"^datasets/(?P<team>[^/]+)/(?P<name>[^/]+)/versions/(?P<number>\d+)/profile/?$",
        datasets.DatasetProfileView.as_view(),
        name="dataset-profile",
    ),
]
