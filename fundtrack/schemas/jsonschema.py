"""The interchange file's JSON Schema, derived from the marshmallow schemas themselves.

Other tools can validate what they write against it; ``docs/interchange.schema.json``
is this function's output, and a test keeps the two equal.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from fundtrack.schemas.common import Choice, IsoDate, Money, Rate

MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"
RATE_PATTERN = r"^[0-9]+(\.[0-9]{1,6})?$"


_SIMPLE: tuple[tuple[type[fields.Field[Any]], dict[str, Any]], ...] = (
    (Money, {"type": ["string", "number"], "pattern": MONEY_PATTERN, "description": "dollars, exact to the cent"}),
    (Rate, {"type": ["string", "number"], "pattern": RATE_PATTERN, "description": "a fraction: 0.15 for 15 %"}),
    (IsoDate, {"type": "string", "format": "date"}),
    (fields.String, {"type": "string"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Dict, {"type": "object"}),
)


def _base_schema(field: fields.Field[Any]) -> dict[str, Any]:
    declared = getattr(field, "json_schema", None)
    if isinstance(declared, dict):
        return dict(declared)
    if isinstance(field, Choice):
        return {"type": "string", "enum": list(field.choices)}
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner)}
    if isinstance(field, fields.Nested):
        nested = field.nested
        schema = nested() if isinstance(nested, type) else nested
        assert isinstance(schema, Schema)
        return object_schema(schema)
    for cls, out in _SIMPLE:
        if isinstance(field, cls):
            return dict(out)
    return {}


def field_schema(field: fields.Field[Any]) -> dict[str, Any]:
    """The JSON Schema of one field."""
    out = _base_schema(field)
    if isinstance(field, fields.Integer) and field.name == "fiscal_start_month":
        out.update(minimum=1, maximum=12)
    if field.allow_none and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    return out


def object_schema(schema: Schema) -> dict[str, Any]:
    properties = {name: field_schema(f) for name, f in schema.fields.items() if not f.dump_only}
    required = [name for name, f in schema.fields.items() if f.required]
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def interchange_json_schema(sections: list[tuple[str, Schema]]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a whole interchange file with these sections."""
    from fundtrack.schemas.interchange import FORMAT_NAME, FORMAT_VERSION, OrganisationSchema

    properties: dict[str, Any] = {
        "format": {"const": FORMAT_NAME},
        "version": {"const": FORMAT_VERSION},
        "organisation": object_schema(OrganisationSchema()),
    }
    for key, schema in sections:
        properties[key] = {"type": "array", "items": object_schema(schema)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://fundtrack.example/interchange.schema.json",
        "title": "fundtrack interchange file",
        "type": "object",
        "properties": properties,
        "required": ["format", "version", "organisation"],
        "additionalProperties": False,
    }
