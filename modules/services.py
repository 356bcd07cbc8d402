"""Writes to the catalog. Views validate; these assume valid input."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from compiler.versions import version_key
from modules import spec as specs
from modules.models import Module, ModuleGrant, ModuleVersion, VersionStatus
from pipewright.errors import Conflict, LocatedError
from teams import audit
from teams.audit import Action
from teams.models import Team


@transaction.atomic
def do_create_module(
    team: Team, name: str, *, display_name: str = "", category: str = "", description: str = ""
) -> Module:
    if Module.objects.filter(team=team, name=name).exists():
        raise Conflict(f"Module '{team.name}/{name}' already exists.")
    try:
        with transaction.atomic():
            return Module.objects.create(
                team=team, name=name, display_name=display_name or name, category=category, description=description
            )
    except IntegrityError:  # a concurrent create won the race
        raise Conflict(f"Module '{team.name}/{name}' already exists.")


def _locked(module: Module) -> Module:
    return Module.objects.select_for_update().select_related("team").get(pk=module.pk)


@transaction.atomic
def do_publish_version(
    module: Module,
    spec: dict[str, Any],
    files: dict[str, str],
    *,
    user: Any = None,
    is_default: bool = False,
    changelog: str = "",
) -> ModuleVersion:
    """Publish a validated, normalized spec plus its files (and what changed, in the publisher's
    words). An existing version string is 409."""
    module = _locked(module)
    if spec["name"] != module.name:
        raise LocatedError(
            f"The spec's name '{spec['name']}' does not match the module '{module.name}'.",
            [{"field": "spec.name", "message": f"must be '{module.name}'"}],
        )
    if ModuleVersion.objects.filter(module=module, version=spec["version"]).exists():
        raise Conflict(
            f"{module.ref}@{spec['version']} is already published; versions are immutable, publish a new version."
        )
    version = ModuleVersion.objects.create(
        module=module,
        version=spec["version"],
        spec=spec,
        files=dict(files),
        digest=specs.digest(spec, files),
        changelog=changelog,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if is_default:
        module.default_version = version
        module.save(update_fields=["default_version"])
    audit.record(
        module.team, user, Action.VERSION_PUBLISHED, f"{module.ref}@{version.version}", default=bool(is_default)
    )
    return version


def _version_of(module: Module, version: str, field: str) -> ModuleVersion:
    found = ModuleVersion.objects.filter(module=module, version=version).first()
    if found is None:
        raise LocatedError(
            f"{module.ref} has no version {version}.", [{"field": field, "message": f"no version {version}"}]
        )
    return found


@transaction.atomic
def do_deprecate(version: ModuleVersion, message: str, successor: str | None, *, actor: Any = None) -> ModuleVersion:
    module = _locked(version.module)
    version.refresh_from_db()
    if version.status == VersionStatus.DISABLED:
        raise LocatedError(
            f"{module.ref}@{version.version} is disabled; enable it before deprecating it.",
            [{"field": "version", "message": "is disabled"}],
        )
    if successor is not None:
        if successor == version.version:
            raise LocatedError(
                "A version cannot succeed itself.", [{"field": "successor", "message": "must be another version"}]
            )
        _version_of(module, successor, "successor")
    version.status = VersionStatus.DEPRECATED
    version.deprecation_message = message
    version.successor = successor
    version.save(update_fields=["status", "deprecation_message", "successor"])
    audit.record(
        module.team,
        actor,
        Action.VERSION_DEPRECATED,
        f"{module.ref}@{version.version}",
        message=message,
        successor=successor,
    )
    return version


@transaction.atomic
def do_disable(version: ModuleVersion, *, actor: Any = None) -> ModuleVersion:
    module = _locked(version.module)
    if module.default_version_id == version.pk:
        raise LocatedError(
            f"{module.ref}@{version.version} is the default version; choose another default before disabling it.",
            [{"field": "version", "message": "is the module's default version"}],
        )
    version.status = VersionStatus.DISABLED
    version.save(update_fields=["status"])
    audit.record(module.team, actor, Action.VERSION_DISABLED, f"{module.ref}@{version.version}")
    return version


@transaction.atomic
def do_enable(version: ModuleVersion, *, actor: Any = None) -> ModuleVersion:
    module = _locked(version.module)
    version.status = VersionStatus.ACTIVE
    version.deprecation_message = ""
    version.successor = None
    version.save(update_fields=["status", "deprecation_message", "successor"])
    audit.record(module.team, actor, Action.VERSION_ENABLED, f"{module.ref}@{version.version}")
    return version


@transaction.atomic
def do_set_default(module: Module, version: str, *, actor: Any = None) -> Module:
    module = _locked(module)
    found = _version_of(module, version, "version")
    if found.status == VersionStatus.DISABLED:
        raise LocatedError(
            f"{module.ref}@{version} is disabled and cannot be the default; enable it first.",
            [{"field": "version", "message": "is disabled"}],
        )
    previous = module.default_version.version if module.default_version else None
    module.default_version = found
    module.save(update_fields=["default_version"])
    audit.record(module.team, actor, Action.DEFAULT_SET, f"{module.ref}@{version}", previous=previous)
    return module


@transaction.atomic
def do_load_module(team: Team, spec: dict[str, Any], files: dict[str, str], *, user: Any = None) -> tuple[str, Module]:
    """Publish a module folder's version unless present. Returns (what happened, module).

    An existing version with the same digest is left alone ("unchanged"); one with a different
    digest is refused (versions are immutable: bump the version). The first load sets the default
    to the newest version, and a newer version becomes the default when the default was the newest.
    """
    module = Module.objects.filter(team=team, name=spec["name"]).first()
    if module is None:
        module = do_create_module(
            team,
            spec["name"],
            display_name=spec.get("display_name", ""),
            category=spec.get("category", ""),
            description=spec.get("description", ""),
        )
    existing = ModuleVersion.objects.filter(module=module, version=spec["version"]).first()
    if existing is not None:
        if existing.digest != specs.digest(spec, files):
            raise Conflict(
                f"{module.ref}@{spec['version']} is already published with different content "
                f"(digest {existing.digest[:12]}); versions are immutable, bump the version in spec.yaml."
            )
        return "unchanged", module
    others = list(ModuleVersion.objects.filter(module=module).values_list("version", flat=True))
    newest_before = max(others, key=version_key) if others else None
    default = module.default_version.version if module.default_version else None
    newest = newest_before is None or version_key(spec["version"]) > version_key(newest_before)
    make_default = newest and (default is None or default == newest_before)
    do_publish_version(module, spec, files, user=user, is_default=make_default)
    if make_default or module.display_name == module.name:
        Module.objects.filter(pk=module.pk).update(
            display_name=spec.get("display_name") or module.name,
            category=spec.get("category", ""),
            description=spec.get("description", ""),
        )
    return "published", module


@transaction.atomic
def do_import_component(
    team: Team, spec: dict[str, Any], files: dict[str, str], *, user: Any = None, is_default: bool = False
) -> ModuleVersion:
    """Publish an imported Kubeflow component (`modules.kfp`) as a version of `team/<spec name>`,
    creating the module on first import. The first version becomes the default; an existing
    version string is 409, as for any publish."""
    module = Module.objects.filter(team=team, name=spec["name"]).first()
    if module is None:
        module = do_create_module(
            team,
            spec["name"],
            display_name=spec["display_name"],
            category=spec["category"],
            description=spec["description"],
        )
    first = module.default_version_id is None
    return do_publish_version(module, spec, files, user=user, is_default=is_default or first)


# --- sharing ------------------------------------------------------------------------------------


@transaction.atomic
def do_grant(module: Module, grantee: Team, *, actor: Any = None) -> ModuleGrant:
    """Give `grantee` read access to `module` (400 for the owner itself, 409 when already given)."""
    module = _locked(module)
    if grantee.pk == module.team_id:
        raise LocatedError(
            f"{module.ref} belongs to team '{grantee.name}'; share it with another team.",
            [{"field": "team", "message": "is the module's own team"}],
        )
    if grantee.is_builtin:
        raise LocatedError(
            "The builtin team holds the library; modules are not shared with it.",
            [{"field": "team", "message": "cannot be the builtin team"}],
        )
    if ModuleGrant.objects.filter(module=module, team=grantee).exists():
        raise Conflict(f"{module.ref} is already shared with team '{grantee.name}'.")
    grant = ModuleGrant.objects.create(
        module=module, team=grantee, created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    audit.record(module.team, actor, Action.MODULE_GRANTED, module.ref, grantee=grantee.name)
    return grant


@transaction.atomic
def do_revoke(grant: ModuleGrant, *, actor: Any = None) -> None:
    """Take a grant back: saved pipeline versions keep their pinned plans; new compiles refuse it."""
    module = _locked(grant.module)
    grantee = grant.team.name
    grant.delete()
    audit.record(module.team, actor, Action.MODULE_REVOKED, module.ref, grantee=grantee)


@transaction.atomic
def do_set_visibility(module: Module, visibility: str, *, actor: Any = None) -> Module:
    module = _locked(module)
    previous = module.visibility
    if previous != visibility:
        module.visibility = visibility
        module.save(update_fields=["visibility"])
        audit.record(module.team, actor, Action.VISIBILITY_SET, module.ref, visibility=visibility, previous=previous)
    return module
