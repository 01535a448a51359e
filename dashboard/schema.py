"""JSON Schema of /dashboard.json and /dashboard/<year>/<week>.json (documented in docs/dashboard-json.md)."""

_COUNT = {"type": "integer", "minimum": 0}
_MIGRATED_OF_TOTAL = {
    "type": "object",
    "required": ["total", "migrated"],
    "properties": {"total": _COUNT, "migrated": _COUNT},
    "additionalProperties": False,
}
_ENTITY = {
    "type": "object",
    "required": ["total", "migrated", "excluded", "rolled_back", "by_environment"],
    "properties": {
        "total": _COUNT,
        "migrated": _COUNT,
        "excluded": _COUNT,
        "rolled_back": _COUNT,
        "by_environment": {
            "type": "object",
            "required": ["test", "production"],
            "properties": {"test": _MIGRATED_OF_TOTAL, "production": _MIGRATED_OF_TOTAL},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
_SPLIT = {
    "type": "object",
    "required": ["total", "test", "production"],
    "properties": {"total": _COUNT, "test": _COUNT, "production": _COUNT},
    "additionalProperties": False,
}
_WAVE = {
    "type": "object",
    "required": ["name", "window_start", "window_end", "state", "systems", "vms"],
    "properties": {
        "name": {"type": "string"},
        "window_start": {"type": "string", "format": "date-time"},
        "window_end": {"type": "string", "format": "date-time"},
        "state": {"enum": ["confirmed", "in_progress", "completed"]},
        "systems": _SPLIT,
        "vms": _SPLIT,
    },
    "additionalProperties": False,
}
_CHANGES = {
    "type": "object",
    "required": ["migrated_this_week", "planned_next_week"],
    "properties": {"migrated_this_week": _COUNT, "planned_next_week": _COUNT},
    "additionalProperties": False,
}
WEEK_PATTERN = r"^\d{4}-W\d{2}$"

DASHBOARD_JSON_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "migportal weekly migration status",
    "type": "object",
    "required": ["week", "generated_at", "systems", "vms", "changes", "waves", "history"],
    "properties": {
        "week": {"type": "string", "pattern": WEEK_PATTERN},
        "generated_at": {"type": "string", "format": "date-time"},
        "systems": _ENTITY,
        "vms": _ENTITY,
        "changes": {
            "type": "object",
            "properties": {"systems": _CHANGES, "vms": _CHANGES},
            "additionalProperties": False,
        },
        "waves": {
            "type": "object",
            "required": ["upcoming", "recent", "upcoming_count", "recent_count"],
            "properties": {
                "upcoming": {"type": "array", "items": _WAVE, "maxItems": 10},
                "recent": {"type": "array", "items": _WAVE, "maxItems": 10},
                "upcoming_count": _COUNT,
                "recent_count": _COUNT,
            },
            "additionalProperties": False,
        },
        "history": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["week", "systems_migrated", "systems_total", "vms_migrated", "vms_total"],
                "properties": {
                    "week": {"type": "string", "pattern": WEEK_PATTERN},
                    "systems_migrated": _COUNT,
                    "systems_total": _COUNT,
                    "vms_migrated": _COUNT,
                    "vms_total": _COUNT,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
