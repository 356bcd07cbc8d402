"""Datasets and artifacts on the S3 store: uploads stream to it and downloads stream from it;
when the server does not answer, the API says so (503 naming the store), never a 500."""

from __future__ import annotations

import socket
from typing import Any

from tests.api.pipelines_helpers import upload_csv


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_dataset_goes_to_s3_and_an_absent_server_is_a_503(
    s3_store: Any, as_bob: Any, as_alice: Any, settings: Any
) -> None:
    created = upload_csv(as_bob)
    assert created.status_code == 201, created.json()
    sha = created.json()["versions"][0]["artifact"]
    got = as_alice.get(f"/api/artifacts/{sha}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"sepal,petal,species\n1,2,setosa\n"
    assert as_alice.get(f"/api/artifacts/{sha}/preview").json()["columns"] == ["sepal", "petal", "species"]

    settings.PIPEWRIGHT_S3_ENDPOINT = f"http://127.0.0.1:{_closed_port()}"  # the server went away
    gone = as_alice.get(f"/api/artifacts/{'a' * 64}/preview")  # nothing cached of this one
    assert gone.status_code in (404, 503)  # a team that holds no such artifact learns nothing
    refused = upload_csv(as_bob, name="iris2")
    assert refused.status_code == 503, refused.content
    assert "artifact store" in refused.json()["detail"] and "unreachable" in refused.json()["detail"]
