"""The OpenAPI schema states every answer an operation can give, not only its success.

Every API view answers refusals in one shape (`core.rest.exception_handler`): 400 with the
field's messages, 401 without a valid login or token, 403 when the role or jurisdiction does
not allow it, 404 when the object is not in reach, 409 with the current status and the steps
allowed now, 415 for a body in a format the API does not read, 429 when a client is too fast.
Views declare their own responses where they say more; this hook adds the rest to every
operation, so a client generated from the schema (and the schemathesis run in `make test`)
knows each of them, and a module built later is described the same way from its first view.
"""

from __future__ import annotations

JSON = "application/json"

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

# 400: {"field": ["message", ...]} or {"detail": "message" | ["message", ...]}; nested
# serializers answer lists of such objects under their field.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": "字段名对应的错误信息；与字段无关的错误在 detail 下。",
}

CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "status": {"type": "string", "description": "当前状态"},
        "status_label": {"type": "string"},
        "allowed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "当前可变为的状态",
        },
    },
    "required": ["detail"],
}

COMPONENTS = {"Refusal": DETAIL, "FieldErrors": FIELD_ERRORS, "Conflict": CONFLICT}

STANDARD = {
    "400": ("请求有误（字段名对应错误信息）", "FieldErrors"),
    "401": ("未登录或令牌无效", "Refusal"),
    "403": ("无权执行此操作", "Refusal"),
    "404": ("对象不存在或不在辖区内", "Refusal"),
    "409": ("对象当前状态不允许此操作", "Conflict"),
    "415": ("不支持的请求内容格式", "Refusal"),
    "429": ("请求过于频繁", "Refusal"),
}

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _response(description: str, component: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"description": description, "content": {JSON: {"schema": ref}}}


def add_refusals(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, (description, component) in STANDARD.items():
                declared = responses.get(code)
                if declared is None:
                    responses[code] = _response(description, component)
                elif "content" not in declared:
                    declared["content"] = _response(description, component)["content"]
    return result
