"""Module files for a step: the catalog's lookup when present, else the ModuleVersion row."""

from __future__ import annotations


def module_files(module_version_id: int) -> dict[str, str]:
    try:
        from modules.lookup import module_files as catalog_files
    except ImportError:
        catalog_files = None
    if catalog_files is not None:
        return dict(catalog_files(module_version_id))
    from modules.models import ModuleVersion

    return dict(ModuleVersion.objects.values_list("files", flat=True).get(pk=module_version_id) or {})
