"""The JSON Schema of the public file formats, generated from the model."""

from __future__ import annotations

from .model import Framework


def framework_schema() -> dict:
    schema = Framework.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "raterkit framework"
    return schema
