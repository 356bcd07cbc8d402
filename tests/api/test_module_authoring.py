"""Authoring modules in the browser through the API: templates (the function template's signature
becomes the interface), the publish proposal, changelogs, comparing versions, facets, usage, and
"Try it" on a real container."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.modules_helpers import make_module, make_spec
from tests.api.pipelines_helpers import upload_csv

FUNCTION = """import pandas as pd


def main(data: pd.DataFrame, k: int = 2, label: str = "x") -> pd.DataFrame:
    print("rows in", len(data))
    out = data.head(k).copy()
    out["label"] = label
    return out
"""


def draft(client: Any, code: str = FUNCTION, name: str = "head-rows") -> Any:
    return client.post("/api/modules/templates/", {"template": "function", "name": name, "code": code}, format="json")


# --- templates ---------------------------------------------------------------------------------


def test_the_function_template_turns_the_signature_into_ports_and_parameters(as_alice: Any) -> None:
    r = draft(as_alice)
    assert r.status_code == 200, r.content
    spec, files = r.json()["spec"], r.json()["files"]
    assert (
        spec["inputs"] == [{"name": "data", "type": "DataFrame", "optional": False, "description": ""}]
        or spec["inputs"][0]["name"] == "data"
    )
    assert [o["name"] for o in spec["outputs"]] == ["result"]
    assert spec["parameters"] == {"k": {"type": "integer", "default": 2}, "label": {"type": "string", "default": "x"}}
    assert spec["runtime"]["command"] == ["python3", "/module/run.py"]
    assert set(files) == {"main.py", "run.py", "pw.py"}
    assert files["main.py"] == FUNCTION


def test_the_script_template_gives_a_runnable_example(as_alice: Any) -> None:
    r = as_alice.post("/api/modules/templates/", {"template": "script", "name": "mine"}, format="json")
    assert r.status_code == 200, r.content
    assert "pw.read_df" in r.json()["files"]["main.py"]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("def main(x): pass", "'x' has no type hint"),
        ("def main(k: int): pass", "needs a default"),
        ("def main(*rows: int): pass", "*args"),
        ("def main(:", "syntax error"),
        ("def other(k: int = 1): pass", "no top-level function"),
        ("def main(k: list = []): pass", "unsupported type hint 'list'"),
        ("def main(k: int = 'a'): pass", "is not a int"),
        ("import os\ndef main(k: int = os.getpid()): pass", "must be a literal"),
    ],
)
def test_a_signature_that_cannot_become_an_interface_is_a_400_naming_code(as_alice: Any, code: str, words: str) -> None:
    r = draft(as_alice, code)
    assert r.status_code == 400, r.content
    errors = r.json()["errors"]
    assert errors[0]["field"] == "code" and words in errors[0]["message"], errors
    assert "line " in errors[0]["message"] or words == "no top-level function"


def test_a_template_with_a_bad_name_is_a_400_naming_name(as_alice: Any) -> None:
    r = as_alice.post("/api/modules/templates/", {"template": "function", "name": "Bad Name"}, format="json")
    assert r.status_code == 400
    assert "name" in str(r.json())


# --- proposal, changelog, compare --------------------------------------------------------------


def _proposal(client: Any, spec: dict[str, Any]) -> Any:
    return client.post("/api/modules/acme/split-data/proposal", {"spec": spec}, format="json")


def test_the_proposal_bumps_by_how_the_interface_changed(as_alice: Any, acme: Any) -> None:
    make_module(acme, versions=("1.0.0", "1.2.0"), default="1.2.0")
    same = _proposal(as_alice, make_spec(version="9.9.9")).json()
    assert same["latest"] == "1.2.0" and same["proposed"] == "patch"
    assert same["versions"] == {"patch": "1.2.1", "minor": "1.3.0", "major": "2.0.0"}
    added = make_spec(parameters={**make_spec()["parameters"], "seed": {"type": "integer", "default": 1}})
    r = _proposal(as_alice, added).json()
    assert r["proposed"] == "minor" and r["diff"]["parameters"]["added"] == ["seed"]
    retyped = make_spec(parameters={"test_size": {"type": "string", "default": "0.2"}})
    r = _proposal(as_alice, retyped).json()
    assert r["proposed"] == "major"
    assert r["diff"]["parameters"]["retyped"] == [{"name": "test_size", "from": "number", "to": "string"}]
    assert r["diff"]["reasons"] == ["parameter 'test_size' changed type number -> string"]
    removed = make_spec(outputs=[{"name": "train", "type": "DataFrame"}])
    assert _proposal(as_alice, removed).json()["diff"]["outputs"]["removed"] == ["test"]
    required_input = make_spec(inputs=[*make_spec()["inputs"], {"name": "extra", "type": "DataFrame"}])
    assert _proposal(as_alice, required_input).json()["proposed"] == "major"


def test_only_maintainers_get_a_proposal_and_outsiders_get_404(as_bob: Any, as_charlie: Any, acme: Any) -> None:
    make_module(acme)
    assert _proposal(as_bob, make_spec()).status_code == 403
    assert _proposal(as_charlie, make_spec()).status_code == 404


def test_a_bad_draft_spec_in_a_proposal_is_a_400_naming_the_field(as_alice: Any, acme: Any) -> None:
    make_module(acme)
    r = _proposal(as_alice, make_spec(inputs=[{"name": "data", "type": "Table"}]))
    assert r.status_code == 400
    assert "inputs[0].type" in str(r.json())


def test_a_changelog_is_published_with_the_version_and_shown(as_alice: Any, acme: Any) -> None:
    make_module(acme)
    body = {"spec": make_spec(version="1.1.0"), "files": {"main.py": "x"}, "changelog": "Faster splitting.\n"}
    r = as_alice.post("/api/modules/acme/split-data/versions/", body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["changelog"] == "Faster splitting."
    listed = as_alice.get("/api/modules/acme/split-data/versions/").json()["results"]
    assert [v["changelog"] for v in listed] == ["Faster splitting.", ""]
    too_long = {**body, "spec": make_spec(version="1.2.0"), "changelog": "x" * 5001}
    r = as_alice.post("/api/modules/acme/split-data/versions/", too_long, format="json")
    assert r.status_code == 400 and "changelog" in str(r.json())
    assert as_alice.get("/api/modules/acme/split-data/versions/1.2.0/").status_code == 404


def test_two_versions_compare_side_by_side(as_bob: Any, acme: Any, as_charlie: Any) -> None:
    module = make_module(acme, versions=("1.0.0",))
    from modules import services
    from modules import spec as specs

    services.do_publish_version(
        module, specs.validate_spec(make_spec(version="2.0.0", outputs=[{"name": "train", "type": "DataFrame"}])), {}
    )
    r = as_bob.get("/api/modules/acme/split-data/compare", {"base": "1.0.0", "head": "2.0.0"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["base"]["version"] == "1.0.0" and body["head"]["version"] == "2.0.0"
    assert body["diff"]["outputs"]["removed"] == ["test"] and body["diff"]["bump"] == "major"
    assert as_bob.get("/api/modules/acme/split-data/compare").json()["base"]["version"] == "1.0.0"
    r = as_bob.get("/api/modules/acme/split-data/compare", {"base": "3.0.0"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "base"
    assert as_charlie.get("/api/modules/acme/split-data/compare").status_code == 404


def test_a_versions_sources_open_in_the_editor(as_bob: Any, as_charlie: Any, acme: Any) -> None:
    make_module(acme)
    r = as_bob.get("/api/modules/acme/split-data/versions/1.0.0/sources/")
    assert r.status_code == 200 and r.json() == {"files": {"main.py": "print('1.0.0')\n"}}
    assert as_charlie.get("/api/modules/acme/split-data/versions/1.0.0/sources/").status_code == 404


# --- facets and usage --------------------------------------------------------------------------


def counts(facet: list[dict[str, Any]]) -> dict[str, int]:
    return {f["value"]: f["count"] for f in facet}


def test_facets_count_each_value_with_the_other_facets_applied(as_alice: Any, acme: Any, other: Any) -> None:
    make_module(acme, "split-data")
    m = make_module(acme, "score", versions=())
    m.category = "Model Scoring"
    m.save()
    make_module(other, "hidden")  # charlie's team: never counted for alice
    r = as_alice.get("/api/modules/facets/")
    assert r.status_code == 200, r.content
    f = r.json()
    assert counts(f["team"]) == {"acme": 2}
    assert counts(f["status"]) == {"active": 1, "unpublished": 1}
    assert counts(f["port_type"]) == {"DataFrame": 1}
    narrowed = as_alice.get("/api/modules/facets/", {"status": "unpublished"}).json()
    assert counts(narrowed["category"]) == {"Model Scoring": 1}
    assert counts(narrowed["status"]) == {"active": 1, "unpublished": 1}  # its own choice not applied
    listed = as_alice.get("/api/modules/", {"port_type": "DataFrame"}).json()["results"]
    assert [m["ref"] for m in listed] == ["acme/split-data"]
    both = as_alice.get("/api/modules/?status=active&status=unpublished").json()["results"]
    assert len(both) == 2
    r = as_alice.get("/api/modules/", {"port_type": "Table"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "port_type"


def test_usage_lists_the_teams_pipelines_and_the_versions_they_pin(as_alice: Any, acme: Any, as_charlie: Any) -> None:
    from designer.models import Pipeline

    make_module(acme, versions=("1.0.0", "1.1.0"), default="1.1.0")
    node = {"id": "n1", "module": "acme/split-data", "version": "1.0.0", "params": {}, "position": {"x": 0, "y": 0}}
    other = {**node, "id": "n2", "version": "1.1.0"}
    Pipeline.objects.create(team=acme, name="uses", graph={"nodes": [node, other], "edges": []})
    Pipeline.objects.create(team=acme, name="empty", graph={"nodes": [], "edges": []})
    r = as_alice.get("/api/modules/acme/split-data/usage/")
    assert r.status_code == 200, r.content
    rows = r.json()["results"]
    assert [(p["name"], p["versions"]) for p in rows] == [("uses", ["1.0.0", "1.1.0"])]
    assert rows[0]["nodes"] == [{"node": "n1", "version": "1.0.0"}, {"node": "n2", "version": "1.1.0"}]
    assert as_charlie.get("/api/modules/acme/split-data/usage/").status_code == 404


# --- try it ------------------------------------------------------------------------------------


def _trial(client: Any, spec: dict[str, Any], files: dict[str, str], **extra: Any) -> Any:
    body = {"module": "acme/head-rows", "spec": spec, "files": files, **extra}
    return client.post("/api/trials/", body, format="json")


@pytest.mark.docker
def test_try_it_runs_the_draft_in_a_container_on_a_dataset(
    as_alice: Any, as_charlie: Any, acme: Any, eager: Any, docker_compute: Any
) -> None:
    assert as_alice.post("/api/modules/", {"team": "acme", "name": "head-rows"}, format="json").status_code == 201
    made = draft(as_alice).json()
    upload_csv(as_alice, "iris", "acme", b"a,b\n1,2\n3,4\n5,6\n")
    r = _trial(
        as_alice,
        made["spec"],
        made["files"],
        parameters={"k": 2, "label": "yes"},
        inputs={"data": {"dataset": "acme/iris"}},
    )
    assert r.status_code == 201, r.content
    trial = as_alice.get(f"/api/trials/{r.json()['id']}/").json()
    assert trial["status"] == "succeeded", trial
    assert "rows in 3" in trial["log"]
    preview = as_alice.get(f"/api/artifacts/{trial['outputs']['result']}/preview").json()
    assert preview["columns"] == ["a", "b", "label"] and len(preview["rows"]) == 2
    assert as_charlie.get(f"/api/trials/{trial['id']}/").status_code == 404
    assert as_charlie.get(f"/api/artifacts/{trial['outputs']['result']}/preview").status_code == 404
    # the catalog never shows a trial: the module still has no version
    assert as_alice.get("/api/modules/acme/head-rows/").json()["versions"] == []
    # a draft that fails says why, from its log
    broken = {**made["files"], "main.py": FUNCTION.replace("out = data.head(k)", "out = data.nope(k)")}
    r = _trial(as_alice, made["spec"], broken, inputs={"data": {"csv": "a\n1\n"}})
    failed = as_alice.get(f"/api/trials/{r.json()['id']}/").json()
    # (stdout and stderr reach the log as they come: a print may land inside the traceback)
    assert failed["status"] == "failed" and "AttributeError" in failed["error"] + failed["log"], failed


def test_a_trials_bad_input_is_a_400_naming_the_field(as_alice: Any, as_bob: Any, acme: Any) -> None:
    as_alice.post("/api/modules/", {"team": "acme", "name": "head-rows"}, format="json")
    made = draft(as_alice).json()
    r = _trial(as_alice, made["spec"], made["files"])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "inputs.data"
    r = _trial(as_alice, made["spec"], made["files"], inputs={"data": {"csv": "a\n1\n"}}, parameters={"k": "many"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "parameters.k"
    r = _trial(as_alice, made["spec"], made["files"], inputs={"data": {"dataset": "acme/nothing"}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "inputs.data.dataset"
    r = _trial(as_bob, made["spec"], made["files"], inputs={"data": {"csv": "a\n1\n"}})
    assert r.status_code == 403  # members do not try drafts; maintainers do
    from runner.models import Trial

    assert Trial.objects.count() == 0
