"""The schema names the error answers too (every operation's problem-details responses, RFC 9457), and links the
operations a client chains: a row it created or read is read, changed and moved on by its natural key."""

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


# The row in an answer is addressed by its natural key: what to do next with it (OpenAPI links).
NEXT_STEPS = {
    "systems": ("code", ["retrieve", "partial_update", "transition_create"]),
    "vms": ("hostname", ["retrieve", "partial_update", "transition_create"]),
    "waves": ("name", ["retrieve", "partial_update", "state_create"]),
    "agencies": ("code", ["retrieve", "partial_update"]),
    "contacts": ("email", ["retrieve", "partial_update"]),
}
LINKED_ANSWERS = {"create": "201", "retrieve": "200", "partial_update": "200"}


def next_step_links(result, generator, request, public):
    """drf-spectacular post-processing hook: link each row's answer (created, read, changed) to the operations
    that take its natural key, so clients and stateful tests can follow them."""
    operations = {
        operation["operationId"]: operation
        for methods in result.get("paths", {}).values()
        for operation in methods.values()
        if "operationId" in operation
    }
    for resource, (key, steps) in NEXT_STEPS.items():
        for answer, status_code in LINKED_ANSWERS.items():
            source = operations.get(f"v1_{resource}_{answer}")
            if source is None or status_code not in source["responses"]:
                continue
            links = source["responses"][status_code].setdefault("links", {})
            for step in steps:
                if f"v1_{resource}_{step}" in operations:
                    links[f"{step}_by_{key}"] = {
                        "operationId": f"v1_{resource}_{step}",
                        "parameters": {"key": f"$response.body#/{key}"},
                    }
    return result
