"""The schema names the error answers too: every operation's problem-details responses (RFC 9457)."""

from .problems import PROBLEM_CONTENT_TYPE

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` holds the messages per field (or per refused row).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {},
    },
    "required": ["type", "title", "status"],
}
WHY = {
    "400": "Invalid fields or parameters",
    "401": "No valid token (missing, unknown, expired or revoked)",
    "403": "The token's user or scope does not allow this",
    "404": "No such row",
    "409": "The migration rules refuse the change (the staff pages' message)",
    "412": "If-Match names an older version of the row",
    "429": "Too many requests for this token",
}
WRITES = {"post", "put", "patch", "delete"}


def problem_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: add the problem answers an operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "429"]
            if "{" in path:
                codes.append("404")
            if method in WRITES:
                codes += ["409", "412"]
            for code in codes:
                operation["responses"].setdefault(code, {"description": WHY[code], "content": ref})
    return result
