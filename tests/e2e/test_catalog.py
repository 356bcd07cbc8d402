"""The catalog pages in a real browser: browse, lifecycle through the UI, publish, and who sees what."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import login

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")  # a folder to save screenshots into, for a person to look at


def spec(version: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "scale-features",
        "version": version,
        "display_name": "Scale Features",
        "category": "Data Transformation",
        "description": "Standardize numeric columns.",
        "inputs": [{"name": "data", "type": "DataFrame"}],
        "outputs": [{"name": "scaled", "type": "DataFrame"}, {"name": "scaler", "type": "Model"}],
        "parameters": {
            "with_mean": {"type": "boolean", "default": True, "description": "Center before scaling."},
            "clip": {"type": "number", "default": 3.0, "minimum": 0, "maximum": 10},
        },
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python", "/module/scale.py"]},
        **extra,
    }


def publish_scaler(acme: Any, alice: Any) -> None:
    from modules import services
    from modules import spec as specs

    module = services.do_create_module(
        acme, "scale-features", display_name="Scale Features", category="Data Transformation"
    )
    files = {"scale.py": "print('scale')\n"}
    services.do_publish_version(module, specs.validate_spec(spec("1.0.0")), files, user=alice, is_default=True)
    services.do_publish_version(module, specs.validate_spec(spec("1.1.0")), files, user=alice)


def row(page: Any, version: str) -> Any:
    return page.locator(f'[data-testid=versions-table] tr[data-version="{version}"]')


def lifecycle_buttons(page: Any) -> Any:
    return (
        page.get_by_role("button", name="Deprecate")
        .or_(page.get_by_role("button", name="Disable"))
        .or_(page.get_by_role("button", name="Set default"))
    )


def test_it_deprecates_a_version_through_the_ui(live_url: str, page: Any, acme: Any, alice: Any) -> None:
    publish_scaler(acme, alice)
    login(page, live_url, "alice", "pw-alice")

    page.goto(live_url + "/catalog?q=scale")
    card = page.get_by_test_id("module-card").filter(has_text="acme/scale-features")
    card.wait_for()
    assert "1.0.0" in card.inner_text()
    card.click()
    page.wait_for_url("**/catalog/acme/scale-features")

    page.get_by_test_id("versions-table").wait_for()
    assert row(page, "1.0.0").get_by_test_id("status-badge").inner_text() == "active"
    row(page, "1.0.0").get_by_test_id("default-marker").wait_for()
    # the selected (default) version's interface, typed ports and parameters
    assert "scaler" in page.get_by_test_id("outputs").inner_text()
    assert "Model" in page.get_by_test_id("outputs").inner_text()
    assert "0 ≤ x ≤ 10" in page.get_by_test_id("params-table").inner_text()

    href = page.get_by_test_id("spec-yaml").get_attribute("href")
    exported = page.request.get(live_url + href)
    assert exported.ok and "version: 1.0.0" in exported.text()

    # disabling the default is refused, and the API's message is shown inline
    row(page, "1.0.0").get_by_role("button", name="Disable").click()
    assert "default version" in page.get_by_role("alert").inner_text()
    assert row(page, "1.0.0").get_by_test_id("status-badge").inner_text() == "active"

    # deprecate 1.0.0 through the dialog, naming 1.1.0 as its successor
    row(page, "1.0.0").get_by_role("button", name="Deprecate").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Message").fill("Clips too early; use 1.1.0.")
    dialog.get_by_label("Successor (optional)").select_option("1.1.0")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "deprecate-dialog.png"))
    dialog.get_by_role("button", name="Deprecate").click()
    dialog.wait_for(state="detached")
    badge = row(page, "1.0.0").get_by_test_id("status-badge")
    page.wait_for_function("el => el.textContent === 'deprecated'", arg=badge.element_handle())
    assert "1.0.0 is deprecated." in page.get_by_role("status").inner_text()
    assert "Clips too early" in row(page, "1.0.0").inner_text()
    assert "successor: 1.1.0" in row(page, "1.0.0").inner_text()

    from modules.models import ModuleVersion

    stored = ModuleVersion.objects.get(module__name="scale-features", version="1.0.0")
    assert (stored.status, stored.successor) == ("deprecated", "1.1.0")

    # publish 1.2.0 from the form (multipart: spec YAML + a source file) and make it the default
    import yaml

    form = page.get_by_test_id("publish-form")
    form.locator("input[name=spec]").set_input_files(
        {"name": "spec.yaml", "mimeType": "text/yaml", "buffer": yaml.safe_dump(spec("1.2.0")).encode()}
    )
    form.locator("input[name=files]").set_input_files(
        {"name": "scale.py", "mimeType": "text/x-python", "buffer": b"print('v2')\n"}
    )
    form.get_by_label("Make it the default version").check()
    form.get_by_role("button", name="Publish 1.2.0").click()
    row(page, "1.2.0").wait_for()
    row(page, "1.2.0").get_by_test_id("default-marker").wait_for()
    assert row(page, "1.0.0").get_by_test_id("default-marker").count() == 0
    assert ModuleVersion.objects.get(module__name="scale-features", version="1.2.0").files == {
        "scale.py": "print('v2')\n"
    }

    # a bad spec shows the API's field errors next to the form
    form.locator("input[name=spec]").set_input_files(
        {"name": "bad.yaml", "mimeType": "text/yaml", "buffer": b"name: scale-features\nversion: one\n"}
    )
    form.get_by_role("button", name="Publish one").click()
    form.get_by_role("alert").wait_for()
    assert "spec.version" in form.inner_text()
    assert "semantic version" in form.inner_text()
    if SHOTS:
        row(page, "1.0.0").get_by_role("button", name="1.0.0").click()
        page.get_by_test_id("params-table").wait_for()
        page.set_viewport_size({"width": 1400, "height": 1700})
        page.screenshot(path=os.path.join(SHOTS, "module-page.png"), full_page=True)


def test_it_shows_lifecycle_buttons_only_to_maintainers(
    live_url: str, page: Any, browser: Any, acme: Any, alice: Any, bob: Any
) -> None:
    publish_scaler(acme, alice)
    call_command("load_library", verbosity=0)

    login(page, live_url, "bob", "pw-bob")  # a member of acme reads but does not manage
    page.goto(live_url + "/catalog/acme/scale-features")
    page.get_by_test_id("versions-table").wait_for()
    page.get_by_test_id("params-table").wait_for()
    assert row(page, "1.1.0").is_visible()
    page.get_by_text("your role: member").wait_for()  # the role is known: what is hidden stays hidden
    assert lifecycle_buttons(page).count() == 0
    assert page.get_by_test_id("publish-form").count() == 0

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        owner = context.new_page()
        owner.set_default_timeout(15000)
        login(owner, live_url, "alice", "pw-alice")
        owner.goto(live_url + "/catalog/acme/scale-features")
        owner.get_by_test_id("versions-table").wait_for()
        row(owner, "1.1.0").get_by_role("button", name="Deprecate").wait_for()
        owner.get_by_test_id("publish-form").wait_for()  # shown once the role is known

        # an owner creates an empty module from the catalog page and lands in the module editor
        owner.goto(live_url + "/catalog")
        owner.get_by_role("button", name="+ New module").click()
        create = owner.get_by_test_id("new-module-form")
        create.get_by_label("Name", exact=True).fill("scale-features")
        create.get_by_role("button", name="Create module").click()
        assert "already exists" in create.get_by_role("alert").inner_text()
        if SHOTS:
            owner.screenshot(path=os.path.join(SHOTS, "new-module.png"))
        create.get_by_label("Name", exact=True).fill("fresh-module")
        create.get_by_label("Display name").fill("Fresh Module")
        create.get_by_role("button", name="Create module").click()
        owner.wait_for_url("**/catalog/acme/fresh-module/edit")
        owner.get_by_test_id("template-chooser").wait_for()
        owner.goto(live_url + "/catalog/acme/fresh-module")
        owner.get_by_text("No versions published yet.").wait_for()
        owner.get_by_test_id("publish-form").wait_for()  # shown once the role is known

        # the builtin library is read-only for everybody, even an owner of a team
        owner.goto(live_url + "/catalog?team=builtin")  # the team facet, as its checkbox writes it
        owner.get_by_test_id("category-group").first.wait_for()
        expect(owner.get_by_label("team builtin")).to_be_checked()
        builtin_card = owner.get_by_test_id("module-card").filter(has_text="builtin/split-data")
        builtin_card.click()
        owner.wait_for_url("**/catalog/builtin/split-data")
        owner.get_by_test_id("versions-table").wait_for()
        owner.get_by_test_id("params-table").wait_for()
        assert "test_size" in owner.get_by_test_id("params-table").inner_text()
        assert lifecycle_buttons(owner).count() == 0
        assert owner.get_by_test_id("publish-form").count() == 0
        if SHOTS:
            owner.set_viewport_size({"width": 1400, "height": 1300})
            owner.screenshot(path=os.path.join(SHOTS, "builtin-page.png"), full_page=True)
            owner.goto(live_url + "/catalog")
            owner.get_by_test_id("category-group").first.wait_for()
            owner.screenshot(path=os.path.join(SHOTS, "catalog.png"), full_page=True)
    finally:
        context.close()
