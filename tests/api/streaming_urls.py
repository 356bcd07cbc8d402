"""A URLconf for tests/api/test_asgi_handler.py: a view that queries, then streams an answer
whose body says whether the request still held a database connection while it streamed."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    get_user_model().objects.count()  # the request's connection is open now

    def body() -> Iterator[bytes]:
        yield b"held" if connection.connection is not None else b"given back"

    return StreamingHttpResponse(body())


urlpatterns = [path("streamed/", streamed)]
