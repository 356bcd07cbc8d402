"""Daphne's requests skip Twisted's form parsing (pipewright/daphne_requests.py), and an upload
through a live Daphne still reaches Django whole (Django parses it, once)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from pipewright import daphne_requests
from teams.tokens import create_token
from tests.live import live_daphne


def test_daphne_requests_do_not_parse_post_bodies() -> None:
    from daphne.http_protocol import WebRequest
    from twisted.web.test.requesthelper import DummyChannel

    assert daphne_requests.install() and daphne_requests.install()  # idempotent
    channel = DummyChannel()
    channel.factory = SimpleNamespace(server=SimpleNamespace(protocol_connected=lambda request: None))
    request = WebRequest(channel, False)
    assert request._parsePOSTFormSubmission is False
    # the body is left alone: Twisted would have filled `args` from a form body
    request.requestHeaders.setRawHeaders(b"content-type", [b"application/x-www-form-urlencoded"])
    request.requestHeaders.setRawHeaders(b"content-length", [b"3"])
    request.process = lambda: None
    request.gotLength(3)
    request.handleContentChunk(b"a=1")
    request.requestReceived(b"POST", b"/x", b"HTTP/1.1")
    assert request.args == {}


@pytest.mark.django_db(transaction=True)
def test_a_multipart_upload_through_daphne(alice: Any, acme: Any, settings: Any, tmp_path: Path) -> None:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    _, key = create_token(alice, "upload")
    csv = b"sepal,petal,species\n1,2,setosa\n3,4,virginica\n"
    file = SimpleNamespace(name="iris.csv", read=lambda: csv, content_type="text/csv")
    body = encode_multipart(BOUNDARY, {"team": "acme", "name": "iris", "file": file})
    with live_daphne() as url:
        request = urllib.request.Request(f"{url}/api/datasets/", data=body, method="POST")
        request.add_header("Content-Type", MULTIPART_CONTENT)
        request.add_header("Authorization", f"Token {key}")
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert answer.status == 201
            created = json.loads(answer.read())
    [version] = created["versions"]
    assert version["columns"] == ["sepal", "petal", "species"] and version["size"] == len(csv)
