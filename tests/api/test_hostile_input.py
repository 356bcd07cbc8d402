"""Hostile input never reaches a 5xx: each case below is a 4xx naming its field, with nothing saved.

Alias bombs, huge and deep documents, over-long and overflowing numbers, NUL and non-UTF-8 bytes,
bidi overrides, over-limit uploads (refused from their declared size, before they are read)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from designer.models import Dataset, Pipeline
from modules.models import Module, ModuleVersion
from pipewright.middleware import BodyLimitASGI
from pipewright.ws_auth import WebSocketGate
from publishing.models import Endpoint, Schedule
from runner.models import Run
from runner.routing import websocket_urlpatterns
from teams.tokens import user_for_key
from tests.api.modules_helpers import make_module, make_spec
from tests.api.pipelines_helpers import create, graph, make_catalog, upload_csv
from tests.api.test_publishing import with_depth

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
name: bomb
"""
VERSIONS_URL = "/api/modules/acme/bomb/versions/"
BIDI = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c"]


def error_fields(response: Any) -> list[Any]:
    return [e.get("field") for e in response.json()["errors"]]


def first_field(response: Any) -> Any:
    return error_fields(response)[0]


@pytest.fixture
def pipeline(as_alice: Any, acme: Any) -> dict[str, Any]:
    """A runnable pipeline with parameter `depth`, one run of it and an endpoint `churn`."""
    make_catalog(acme)
    created = create(as_alice, with_depth(graph()), name="churn")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    run = as_alice.post(f"/api/pipelines/{pk}/runs/", {}, format="json")
    assert run.status_code == 201, run.json()
    published = as_alice.post(f"/api/pipelines/{pk}/publish/", {"name": "churn"}, format="json")
    assert published.status_code == 201, published.json()
    return {"id": pk, "run": run.json()["id"], "slug": published.json()["slug"]}


def counts() -> tuple[int, ...]:
    return (
        Pipeline.objects.count(),
        Run.objects.count(),
        Endpoint.objects.count(),
        Schedule.objects.count(),
        Module.objects.count(),
        ModuleVersion.objects.count(),
        Dataset.objects.count(),
    )


# -- cron -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("*/61 * * * *", "minute"),
        ("1-99 * * * *", "minute"),
        ("0 */25 * * *", "hour"),
        ("0 0 0-40 * *", "day of month"),
        ("0 0 * 1-13 *", "month"),
        ("0 0 * * 1-9", "day of week"),
        ("99999999999999999999999 * * * *", "minute"),
    ],
)
def test_a_cron_out_of_range_is_a_400_naming_cron(
    as_alice: Any, pipeline: dict[str, Any], cron: str, words: str
) -> None:
    before = counts()
    r = as_alice.post("/api/schedules/", {"endpoint": pipeline["slug"], "cron": cron}, format="json")
    assert r.status_code == 400, r.content
    assert first_field(r) == "cron" and words in r.json()["detail"]
    assert counts() == before


# -- YAML and JSON bombs -----------------------------------------------------------------------------


def test_a_billion_laughs_spec_is_refused_before_it_expands(as_alice: Any, acme: Any) -> None:
    make_module(acme, "bomb", ())
    before = counts()
    for body, fmt in (
        ({"spec": BILLION_LAUGHS}, "json"),
        ({"spec": SimpleUploadedFile("spec.yaml", BILLION_LAUGHS.encode(), content_type="text/yaml")}, "multipart"),
    ):
        r = as_alice.post(VERSIONS_URL, body, format=fmt)
        assert r.status_code == 400, r.content
        assert first_field(r).startswith("spec") and "alias" in r.json()["detail"]
    assert counts() == before


def test_a_huge_or_deep_json_spec_is_refused(as_alice: Any, acme: Any) -> None:
    make_module(acme, "bomb", ())
    before = counts()
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    spec = make_spec(name="bomb", version="1.0.0")
    spec["description"] = deep
    r = as_alice.post(VERSIONS_URL, {"spec": spec}, format="json")
    assert r.status_code == 400, r.content
    assert "nested" in r.json()["detail"]
    wide = make_spec(name="bomb", version="1.0.0")
    wide["parameters"] = {f"p{i}": {"type": "string", "description": "x" * 1000} for i in range(400)}
    r = as_alice.post(VERSIONS_URL, {"spec": wide}, format="json")
    assert r.status_code == 400, r.content
    assert first_field(r) == "spec.spec" and "larger than" in r.json()["detail"]
    huge_yaml = "name: bomb\ndescription: " + "x" * 300_000 + "\n"
    r = as_alice.post(VERSIONS_URL, {"spec": huge_yaml}, format="json")
    assert r.status_code == 400 and first_field(r) == "spec.spec", r.content
    deep_yaml = "name: bomb\ndescription: " + "[" * 100 + "]" * 100 + "\n"
    r = as_alice.post(VERSIONS_URL, {"spec": deep_yaml}, format="json")
    assert r.status_code == 400 and first_field(r) == "spec.spec" and "nested" in r.json()["detail"], r.content
    assert counts() == before


def test_a_json_body_nested_too_deeply_is_a_400(as_alice: Any, acme: Any) -> None:
    before = counts()
    body = '{"team": "acme", "name": "x", "graph": ' + "[" * 5000 + "]" * 5000 + "}"
    r = as_alice.generic("POST", "/api/pipelines/", body, content_type="application/json")
    assert r.status_code == 400 and "nested" in r.json()["detail"]
    body = '{"team": "acme", "name": "x", "graph": ' + "[" * 100 + "]" * 100 + "}"
    r = as_alice.generic("POST", "/api/pipelines/", body, content_type="application/json")
    assert r.status_code == 400 and "nested" in r.json()["detail"] and first_field(r) == "graph"
    assert counts() == before


def test_numbers_json_cannot_store_are_a_400(as_alice: Any, pipeline: dict[str, Any]) -> None:
    before = counts()
    url = f"/api/pipelines/{pipeline['id']}/runs/"
    for number in (b"1e999", b"-1e999", b"NaN", b"Infinity", b"9" * 5000):
        r = as_alice.generic("POST", url, b'{"parameters": {"depth": ' + number + b"}}", "application/json")
        assert r.status_code == 400 and "JSON parse error" in r.json()["detail"], r.content
    assert counts() == before


def test_a_json_body_over_the_size_limit_is_a_413_before_it_is_parsed(as_alice: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = counts()
    for fmt in ("json", "multipart"):
        r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "x" * 2000}, format=fmt)
        assert r.status_code == 413, r.content
        assert r.json()["detail"] == "The request body is larger than 1000 bytes."
    form = as_alice.generic(
        "POST", "/api/pipelines/", "team=acme&name=" + "x" * 2000, "application/x-www-form-urlencoded"
    )
    assert form.status_code == 413, form.content
    assert counts() == before


# -- run parameters ----------------------------------------------------------------------------------


def test_huge_and_deep_run_parameters_are_refused_naming_the_parameter(as_alice: Any, pipeline: dict[str, Any]) -> None:
    before = counts()
    url = f"/api/pipelines/{pipeline['id']}/runs/"
    huge = as_alice.post(url, {"parameters": {"depth": "x" * 9_000_000}}, format="json")
    assert huge.status_code in (400, 413), huge.content
    big = as_alice.post(url, {"parameters": {"depth": "x" * 70_000}}, format="json")
    assert big.status_code == 400 and first_field(big) == "parameters.depth", big.content
    many = as_alice.post(url, {"parameters": {f"p{i}": "x" * 30_000 for i in range(4)}}, format="json")
    assert many.status_code == 400 and first_field(many) == "parameters", many.content
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    nested = as_alice.post(url, {"parameters": {"depth": deep}}, format="json")
    assert nested.status_code == 400 and first_field(nested) == "parameters.depth", nested.content
    long_name = as_alice.post(url, {"parameters": {"x" * 500: 1}}, format="json")
    assert long_name.status_code == 400 and first_field(long_name) == "parameters", long_name.content
    endpoint = as_alice.post(
        f"/api/endpoints/{pipeline['slug']}/runs/", {"parameters": {"depth": "x" * 70_000}}, format="json"
    )
    assert endpoint.status_code == 400 and first_field(endpoint) == "parameters.depth", endpoint.content
    sched = as_alice.post(
        "/api/schedules/",
        {"endpoint": pipeline["slug"], "cron": "0 6 * * *", "parameters": {"depth": "x" * 70_000}},
        format="json",
    )
    assert sched.status_code == 400 and first_field(sched) == "parameters.depth", sched.content
    rerun = as_alice.post(
        f"/api/runs/{pipeline['run']}/rerun/", {"mode": "all", "parameters": {"depth": "x" * 70_000}}, format="json"
    )
    assert rerun.status_code == 400 and first_field(rerun) == "parameters.depth", rerun.content
    assert counts() == before


def test_huge_parameter_defaults_in_a_graph_are_refused(as_alice: Any, acme: Any) -> None:
    make_catalog(acme)
    before = counts()
    doc = with_depth(graph())
    doc["parameters"] = [{"name": "depth", "type": "string", "default": "x" * 9_000_000}]
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "p", "graph": doc}, format="json")
    assert r.status_code == 400 and first_field(r) == "graph", r.content
    assert "parameters[0].default (parameter 'depth') is larger than" in r.json()["detail"]
    doc["parameters"] = [{"name": f"p{i}", "type": "string", "default": "x" * 30_000} for i in range(3)]
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "p", "graph": doc}, format="json")
    assert r.status_code == 400 and "parameters[2].default" in r.json()["detail"], r.content
    assert counts() == before


@pytest.mark.parametrize("parameters", ["x", 1, ["depth"], True])
def test_a_rerun_with_parameters_that_are_not_an_object_is_a_400(
    as_alice: Any, pipeline: dict[str, Any], parameters: Any
) -> None:
    before = counts()
    for mode in ("failed", "all", "from"):
        r = as_alice.post(
            f"/api/runs/{pipeline['run']}/rerun/", {"mode": mode, "parameters": parameters}, format="json"
        )
        assert r.status_code == 400, r.content
        assert first_field(r) == "parameters"
    assert counts() == before


# -- numbers past 2**63 --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999999999999999", "18446744073709551616", "9223372036854775808", "²"])
def test_integer_query_parameters_past_64_bits_are_a_400(as_alice: Any, pipeline: dict[str, Any], value: str) -> None:
    run = pipeline["run"]
    for url, field in (
        (f"/api/runs/{run}/steps/split/logs?offset={value}", "offset"),
        (f"/api/runs/{run}/steps/split/logs?tail={value}", "tail"),
        (f"/api/runs/?pipeline={value}", "pipeline"),
        (f"/api/endpoints/?pipeline={value}", "pipeline"),
    ):
        r = as_alice.get(url)
        assert r.status_code == 400, (url, r.content)
        assert first_field(r) == field


def test_integer_path_and_body_values_past_64_bits_are_a_4xx(as_alice: Any, pipeline: dict[str, Any]) -> None:
    huge = 99999999999999999999999
    for url in (
        f"/api/pipelines/{huge}/",
        f"/api/runs/{huge}/",
        f"/api/schedules/{huge}/",
        f"/api/pipelines/{pipeline['id']}/versions/{huge}/",
        f"/api/pipelines/{pipeline['id']}/versions/1/diff/{huge}/",
    ):
        assert as_alice.get(url).status_code == 404, url
    before = counts()
    for url, body, field in (
        (f"/api/pipelines/{pipeline['id']}/runs/", {"version": huge}, "version"),
        (f"/api/pipelines/{pipeline['id']}/publish/", {"name": "n", "version": huge}, "version"),
        (f"/api/endpoints/{pipeline['slug']}/", {"version": huge}, "version"),
    ):
        r = as_alice.generic("PATCH" if "endpoints" in url else "POST", url, json.dumps(body), "application/json")
        assert r.status_code == 400, (url, r.content)
        assert first_field(r) == field
    assert counts() == before


# -- NUL and non-UTF-8 bytes ----------------------------------------------------------------------------


def test_nul_characters_are_a_400_everywhere(as_alice: Any, pipeline: dict[str, Any]) -> None:
    before = counts()
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "a\x00b"}, format="json")
    assert r.status_code == 400 and "name" in r.json()["detail"]
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "a\x00b"}, format="multipart")
    assert r.status_code == 400 and first_field(r) == "name"
    r = as_alice.post(f"/api/pipelines/{pipeline['id']}/runs/", {"parameters": {"depth": "a\x00"}}, format="json")
    assert r.status_code == 400 and "parameters.depth" in r.json()["detail"]
    r = as_alice.get("/api/pipelines/?team=a%00b")
    assert r.status_code == 400 and first_field(r) == "url"
    r = as_alice.get("/api/modules/?q=%00")
    assert r.status_code == 400
    assert counts() == before


def test_nul_characters_in_a_token_or_a_session_cookie_are_a_400_naming_the_header(alice: Any) -> None:
    client = APIClient()
    r = client.get("/api/me/", HTTP_AUTHORIZATION="Token a\x00b")
    assert r.status_code == 400 and first_field(r) == "Authorization", r.content
    client.cookies["sessionid"] = "abcdefgh\x00ijk"
    r = client.get("/api/me/")
    assert r.status_code == 400 and first_field(r) == "Cookie", r.content


def test_nul_and_non_utf8_in_module_files_and_file_names_are_a_400(as_alice: Any, acme: Any) -> None:
    make_module(acme, "bomb", ())
    spec_text = "name: bomb\nversion: 1.0.0\nruntime: {image: x, command: [python3, main.py]}\n"
    before = counts()
    for files, field in (
        ({"main.py": SimpleUploadedFile("main.py", b"print(1)\x00\n")}, "files.main.py"),
        ({"main.py": SimpleUploadedFile("main.py", b"\xff\xfe\x00")}, "files.main.py"),
    ):
        r = as_alice.post(VERSIONS_URL, {"spec": spec_text, **files}, format="multipart")
        assert r.status_code == 400, r.content
        assert str(first_field(r)).startswith(field), r.json()
    r = as_alice.post(VERSIONS_URL, {"spec": spec_text, "files": {"main.py": "a\x00"}}, format="json")
    assert r.status_code == 400
    assert counts() == before
    # Django drops non-printable characters from upload file names: the NUL never reaches the database
    r = as_alice.post(
        VERSIONS_URL, {"spec": spec_text, "file": SimpleUploadedFile("ma\x00in.py", b"print(1)\n")}, format="multipart"
    )
    assert r.status_code == 201 and r.json()["files"] == ["main.py"], r.content
    # a non-UTF-8 file name in the multipart headers
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="spec"\r\n\r\n{spec_text}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="m\xffa.py"\r\n'
        f"Content-Type: text/plain\r\n\r\nprint(1)\r\n--{BOUNDARY}--\r\n"
    ).encode("latin-1")
    r = as_alice.generic("POST", VERSIONS_URL, body.replace(b"1.0.0", b"1.0.1"), content_type=MULTIPART_CONTENT)
    assert r.status_code in (201, 400), r.content


def test_non_utf8_json_bodies_and_query_strings_are_a_400(as_alice: Any, acme: Any) -> None:
    before = counts()
    r = as_alice.generic("POST", "/api/pipelines/", b'{"team": "acme", "name": "\xff\xfe"}', "application/json")
    assert r.status_code == 400, r.content
    r = as_alice.get("/api/pipelines/?team=%ff%fe")
    assert r.status_code in (200, 400), r.content
    r = as_alice.generic("POST", "/api/pipelines/", b'{"team": "acme", "name": "a\\ud800"}', "application/json")
    assert r.status_code == 400 and first_field(r) == "name", r.content
    assert counts() == before


# -- bidi overrides ------------------------------------------------------------------------------------


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_in_names_are_a_400_naming_the_field(as_alice: Any, pipeline: dict[str, Any], char: str) -> None:
    before = counts()
    name = f"invoice{char}fdp.exe"
    for method, url, body, field in (
        ("POST", "/api/pipelines/", {"team": "acme", "name": name}, "name"),
        ("POST", f"/api/pipelines/{pipeline['id']}/duplicate/", {"name": name}, "name"),
        ("POST", f"/api/pipelines/{pipeline['id']}/publish/", {"name": name}, "name"),
        ("PATCH", f"/api/endpoints/{pipeline['slug']}/", {"name": name}, "name"),
        ("POST", "/api/modules/", {"team": "acme", "name": "m", "display_name": name}, "display_name"),
        ("POST", "/api/teams/", {"name": name}, "name"),
        ("POST", "/api/schedules/", {"endpoint": f"churn{char}", "cron": "0 6 * * *"}, "endpoint"),
    ):
        r = as_alice.generic(method, url, json.dumps(body), "application/json")
        assert r.status_code == 400, (url, r.content)
        assert first_field(r) == field, (url, r.json())
    assert counts() == before
    assert Endpoint.objects.get().name == "churn"


# -- free text lengths --------------------------------------------------------------------------------


def test_over_long_free_text_is_a_400_naming_the_field(as_alice: Any, pipeline: dict[str, Any], acme: Any) -> None:
    make_module(acme, "bomb", ())
    before = counts()
    long = "x" * 20_000
    for method, url, body, field in (
        ("POST", "/api/pipelines/", {"team": "acme", "name": long}, "name"),
        ("POST", "/api/pipelines/", {"team": "acme", "name": "n", "description": long}, "description"),
        ("POST", "/api/modules/", {"team": "acme", "name": "m", "description": long}, "description"),
        ("POST", "/api/modules/", {"team": "acme", "name": "m", "category": long}, "category"),
        ("POST", f"/api/runs/{pipeline['run']}/rerun/", {"mode": "from", "node": long}, "node"),
        ("POST", "/api/schedules/", {"endpoint": pipeline["slug"], "cron": "0 " * 400}, "cron"),
        ("POST", VERSIONS_URL, {"spec": make_spec(name="bomb", version="1.0.0-" + "a" * 200)}, "spec.version"),
        ("POST", VERSIONS_URL, {"spec": make_spec(name="bomb", display_name=long)}, "spec.display_name"),
        ("POST", VERSIONS_URL, {"spec": make_spec(name="bomb", category=long)}, "spec.category"),
        ("POST", VERSIONS_URL, {"spec": make_spec(name="bomb", description=long)}, "spec.description"),
        ("POST", VERSIONS_URL, {"spec": make_spec(name="bomb", display_name="a\u202eb")}, "spec.display_name"),
        (
            "POST",
            "/api/modules/acme/split/versions/1.0.0/deprecate/",
            {"message": long},
            "message",
        ),
    ):
        r = as_alice.generic(method, url, json.dumps(body), "application/json")
        assert r.status_code in (400, 404) if "split" in url else r.status_code == 400, (url, r.content)
        if r.status_code == 400:
            assert first_field(r) == field, (url, r.json())
    assert counts() == before


# -- uploads over the limit -------------------------------------------------------------------------


def _declared_too_big(client: Any, url: str, fields: dict[str, Any], size: int) -> Any:
    """A multipart request whose Content-Length declares `size` bytes; only the start is sent, so a
    server that read the body whole would block or fail instead of answering."""
    body = encode_multipart(BOUNDARY, fields)
    return client.generic("POST", url, body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(size))


def test_an_over_limit_dataset_upload_is_refused_from_its_declared_length(as_alice: Any, settings: Any) -> None:
    settings.DATASET_MAX_BYTES = 1000
    before = counts()
    file = SimpleUploadedFile("big.csv", b"a,b\n1,2\n", content_type="text/csv")
    r = _declared_too_big(as_alice, "/api/datasets/", {"team": "acme", "name": "big", "file": file}, 10**9)
    assert r.status_code == 413, r.content
    assert first_field(r) == "file"
    r = upload_csv(as_alice, "big", content=b"a,b\n" + b"1,2\n" * 1000)
    assert r.status_code == 413 and first_field(r) == "file", r.content
    assert counts() == before


def test_over_limit_module_files_are_refused_from_their_declared_length(
    as_alice: Any, acme: Any, settings: Any
) -> None:
    make_module(acme, "bomb", ())
    settings.MODULE_UPLOAD_MAX_BYTES = 1000
    before = counts()
    file = SimpleUploadedFile("main.py", b"print(1)\n")
    r = _declared_too_big(as_alice, VERSIONS_URL, {"spec": "name: bomb", "file": file}, 10**9)
    assert r.status_code == 413, r.content
    assert first_field(r) == "files"
    assert counts() == before


def test_the_asgi_guard_answers_413_before_reading_a_body_larger_than_any_upload(settings: Any) -> None:
    settings.DATASET_MAX_BYTES = 1000
    settings.MODULE_UPLOAD_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    limit = BodyLimitASGI.limit()
    assert limit == 1000 + 64 * 1024  # the largest upload any view accepts, with its form
    reached: list[Any] = []
    sent: list[dict[str, Any]] = []

    async def django(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            reached.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                return

    async def never() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def record(message: dict[str, Any]) -> None:
        sent.append(message)

    guard = BodyLimitASGI(django)
    declared = {"type": "http", "headers": [(b"content-length", str(10**12).encode())]}
    asyncio.run(guard(declared, never, record))
    assert sent[0]["status"] == 413 and not reached
    assert json.loads(sent[1]["body"])["detail"] == f"The request body is larger than {limit} bytes."
    chunks = iter([{"type": "http.request", "body": b"x" * 40_000, "more_body": True}] * 3)

    async def chunked() -> Any:
        return next(chunks)

    asyncio.run(guard({"type": "http", "headers": []}, chunked, record))
    assert reached == ["http.request", "http.disconnect"]  # cut off once past the limit


def test_a_nul_in_a_websocket_token_is_an_anonymous_refusal(db: Any) -> None:
    async def scenario() -> None:
        app = WebSocketGate(URLRouter(websocket_urlpatterns), user_for_token=user_for_key)
        for token in ("a%00b", "x" * 500):
            comm = WebsocketCommunicator(app, f"/ws/runs/1/?token={token}")
            connected, _ = await comm.connect()
            assert connected  # accepted, told why, then closed with a final code
            assert (await comm.receive_json_from())["code"] == 4401
            closed = await comm.receive_output()
            assert closed == {"type": "websocket.close", "code": 4401}
            await comm.disconnect()  # the client goes, as a browser does on a close

    asyncio.run(scenario())
