"""What an OPTIONS request answers: the view's name, description, renderers and parsers.

DRF's SimpleMetadata also describes each writable method's serializer by calling the view's
`get_serializer()`, which views that declare their bodies with `extend_schema` do not have (an
OPTIONS request was a 500 there). The request bodies are documented in /api/schema/."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class BasicMetadata(SimpleMetadata):
    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
