"""Serializer bases shared by every API package."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ShapeSerializer(serializers.Serializer):
    # Renders a dict a service built, keeping only the keys it holds: a field with
    # `required=False` is documented as optional and left out when the service left it out (even
    # if it is also nullable, where DRF alone would send null). No docstring: subclasses' schema
    # components would inherit it as their description.

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if key in instance}
