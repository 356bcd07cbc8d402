from django.urls import path, re_path

from modules.api import authoring
from modules.api import views as catalog

urlpatterns = [
    # The module catalog. Versions contain dots; actions accept an optional trailing slash.
    path("modules/", catalog.ModuleListView.as_view(), name="modules"),
    re_path(r"^modules/import/kfp/?$", catalog.KfpImportView.as_view(), name="modules-import-kfp"),
    re_path(r"^modules/facets/?$", authoring.FacetsView.as_view(), name="modules-facets"),
    re_path(r"^modules/templates/?$", authoring.TemplateView.as_view(), name="modules-templates"),
    path("modules/<str:team>/<str:name>/", catalog.ModuleDetailView.as_view(), name="module"),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/proposal/?$",
        authoring.ProposalView.as_view(),
        name="module-proposal",
    ),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/compare/?$", authoring.CompareView.as_view(), name="module-compare"
    ),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/default/?$", catalog.DefaultView.as_view(), name="module-default"
    ),
    path("modules/<str:team>/<str:name>/grants/", catalog.GrantListView.as_view(), name="module-grants"),
    path("modules/<str:team>/<str:name>/grants/<str:grantee>/", catalog.GrantDetailView.as_view(), name="module-grant"),
    path("modules/<str:team>/<str:name>/versions/", catalog.VersionListView.as_view(), name="module-versions"),
    path(
        "modules/<str:team>/<str:name>/versions/<str:version>/",
        catalog.VersionDetailView.as_view(),
        name="module-version",
    ),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/sources/?$",
        authoring.SourcesView.as_view(),
        name="module-version-sources",
    ),
    path(
        "modules/<str:team>/<str:name>/versions/<str:version>/spec.yaml",
        catalog.VersionSpecYamlView.as_view(),
        name="module-version-yaml",
    ),
    path(
        "modules/<str:team>/<str:name>/versions/<str:version>/component.yaml",
        catalog.VersionComponentYamlView.as_view(),
        name="module-version-component-yaml",
    ),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/deprecate/?$",
        catalog.DeprecateView.as_view(),
        name="module-version-deprecate",
    ),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/disable/?$",
        catalog.DisableView.as_view(),
        name="module-version-disable",
    ),
    re_path(
        r"^modules/(?P<team>[^/]+)/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/enable/?$",
        catalog.EnableView.as_view(),
        name="module-version-enable",
    ),
]
