"""The API's OpenAPI schema says what the service really answers: every operation documents the
error statuses it can return, all in the one error shape (:meth:`greenmet.errors.GreenmetError.to_dict`),
instead of FastAPI's default validation-error body, which the service never sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["ERROR_SCHEMA", "ERROR_STATUSES", "document_errors"]

_NULLABLE_STRING: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}]}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["ok", "error", "message", "field", "value", "fix", "file", "sheet", "row"],
    "properties": {
        "ok": {"type": "boolean", "const": False},
        "error": {"type": "string", "description": "machine-readable kind, e.g. input_error, not_found"},
        "message": {"type": "string"},
        "field": _NULLABLE_STRING,
        "value": _NULLABLE_STRING,
        "fix": _NULLABLE_STRING,
        "file": _NULLABLE_STRING,
        "sheet": _NULLABLE_STRING,
        "row": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
}

# What any /api operation may answer besides its success: bad request, not authenticated, role too
# low or CSRF missing, unknown key, upload too large or of the wrong type, bad input, too many
# logins, storage unavailable.
ERROR_STATUSES: dict[str, str] = {
    "400": "Bad request",
    "401": "Not authenticated",
    "403": "Forbidden (role too low, or CSRF token missing)",
    "404": "Not found",
    "413": "Upload too large",
    "415": "Unsupported media type",
    "422": "Bad input: the field, the value and the fix",
    "429": "Too many attempts",
    "503": "Storage unavailable",
}


def document_errors(app: FastAPI) -> None:
    """Replace ``app.openapi`` by one that adds the error statuses, in the one shape, to every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ERROR_SCHEMA
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses[status] = {"description": description, "content": reference}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
