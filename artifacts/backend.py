"""The artifact store this process uses, as the settings name it (PIPEWRIGHT_STORE)."""

from __future__ import annotations

from django.conf import settings

from artifacts.s3 import S3Store, config_from_settings
from artifacts.stores import ArtifactStore, LocalStore

_stores: dict[tuple[object, ...], ArtifactStore] = {}


def current() -> ArtifactStore:
    """`local` (the folder under ARTIFACT_ROOT) or `s3` (PIPEWRIGHT_S3_*); one instance per
    configuration, reused."""
    if settings.PIPEWRIGHT_STORE == "local":
        key: tuple[object, ...] = ("local",)
        if key not in _stores:
            _stores[key] = LocalStore()
        return _stores[key]
    config = config_from_settings()
    key = ("s3", config)
    if key not in _stores:
        _stores[key] = S3Store(config)
    return _stores[key]
