"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "message"],
    "properties": {"status": {"type": "integer"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}}}

ANSWER = {"description": "Shape depends on the item type: option id (single_choice), list of option ids "
                         "(multiple_response), true/false, number or numeric text (numeric), text (short_text), "
                         "list of step ids in order (ordering), object prompt id → choice id (matching); "
                         "null clears the answer. Option, step, prompt and choice ids are this attempt's own "
                         "(as listed by GET /attempts/{attempt_id}); ids of another attempt are refused.",
          "oneOf": [{"type": "string", "maxLength": 500}, {"type": "number"}, {"type": "boolean"},
                    {"type": "array", "items": {"type": "string"}, "maxItems": 20},
                    {"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}]}

ITEM = {"type": "object", "required": ["position", "key", "type", "stem", "saved_answer", "answered"], "properties": {
    "position": {"type": "integer"}, "key": {"type": "string"}, "type": {"type": "string"},
    "type_label": {"type": "string"}, "stem": {"type": "string"},
    "stem_html": {"type": ["string", "null"], "description": "the question's formatted text as sanitised HTML (null when "
                  "it is plain text); a picture's src is asset:<sha256>, served at /assets/<sha256>"},
    "saved_answer": ANSWER,
    "answered": {"type": "boolean", "description": "whether the saved answer counts as answered (false is an answer)"},
    "options": {"type": "array", "items": {"type": "object"}}, "steps": {"type": "array", "items": {"type": "object"}},
    "prompts": {"type": "array", "items": {"type": "object"}}, "choices": {"type": "array", "items": {"type": "object"}},
    "unit": {"type": "string"}}}

ATTEMPT = {"type": "object", "required": ["id", "status", "quiz", "count", "items"], "properties": {
    "id": {"type": "integer"}, "status": {"type": "string", "enum": ["in_progress", "submitted"]},
    "quiz": {"type": "object"}, "layout": {"type": "string"}, "count": {"type": "integer"},
    "answered": {"type": "integer"}, "deadline_at": {"type": ["string", "null"], "format": "date-time"},
    "remaining_seconds": {"type": ["integer", "null"]}, "items": {"type": "array", "items": ITEM}}}


def _errors(*codes: int) -> dict:
    text = {401: "Not signed in", 403: "Not a trainee", 404: "No such attempt or item", 409: "Attempt already closed",
            422: "Invalid answer or request body"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}} for c in codes}


ATTEMPT_ID = {"name": "attempt_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Uptake API", "version": "1.0.0",
             "description": "Attempt autosave for Uptake's quiz player. Authenticated with the session cookie; "
                            "state-changing calls need the X-CSRFToken header from the page."},
    "servers": [{"url": "/"}],
    "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"},
                                       "crmToken": {"type": "http", "scheme": "bearer"}}},
    "security": [{"session": []}],
    "paths": {
        "/api/v1/attempts/{attempt_id}": {"get": {
            "summary": "The running attempt as the trainee may see it (never the answers)",
            "parameters": [ATTEMPT_ID],
            "responses": {"200": {"description": "Attempt", "content": {"application/json": {"schema": ATTEMPT}}},
                          **_errors(401, 403, 404)}}},
        "/api/v1/attempts/{attempt_id}/items/{position}": {"get": {
            "summary": "One item of the attempt (1-based position), with the saved answer",
            "parameters": [ATTEMPT_ID, {"name": "position", "in": "path", "required": True,
                                        "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {"description": "Item", "content": {"application/json": {"schema": ITEM}}},
                          **_errors(401, 403, 404, 409)}}},
        "/api/v1/attempts/{attempt_id}/responses/{item_key}": {"put": {
            "summary": "Save one answer (idempotent upsert; a newer seq wins)",
            "parameters": [ATTEMPT_ID, {"name": "item_key", "in": "path", "required": True,
                                        "schema": {"type": "string", "maxLength": 64}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["answer", "seq"], "properties": {
                    "answer": ANSWER, "seq": {"type": "integer", "minimum": 1, "maximum": 2 ** 62 - 1},
                    "time_spent_ms": {"type": "integer", "minimum": 0, "maximum": 2 ** 62}}}}}},
            "responses": {"200": {"description": "Saved", "content": {"application/json": {"schema": {
                "type": "object", "required": ["item_key", "seq", "applied", "saved_at"], "properties": {
                    "item_key": {"type": "string"}, "seq": {"type": "integer"}, "applied": {"type": "boolean"},
                    "saved_at": {"type": "string", "format": "date-time"}}}}}},
                **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/attempts/{attempt_id}/submit": {"post": {
            "summary": "Submit and grade the attempt (exactly once; repeat calls return the same result)",
            "parameters": [ATTEMPT_ID],
            "responses": {"200": {"description": "Submitted", "content": {"application/json": {"schema": {
                "type": "object", "required": ["id", "status", "result_url"], "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string"}, "score": {"type": ["number", "null"]},
                    "result_url": {"type": "string"}}}}}},
                **_errors(401, 403, 404)}}},
        "/api/v1/crm/events": {"post": {
            "summary": "Import CRM events for the token's organisation (a nightly job): the generic format as JSON "
                       "Lines or CSV, or any Salesforce export the admin page reads; duplicates are counted once",
            "security": [{"crmToken": []}],
            "parameters": [{"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 255}},
                           {"name": "object", "in": "query", "schema": {"type": "string", "maxLength": 32}}],
            "requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                                          "text/csv": {"schema": {"type": "string"}}}},
            "responses": {"200": {"description": "Imported", "content": {"application/json": {"schema": {
                "type": "object", "required": ["import_id", "events_new", "events_known", "unmatched_users"],
                "properties": {"import_id": {"type": "integer"}, "format": {"type": "string"},
                               "rows": {"type": "integer"}, "events_new": {"type": "integer"},
                               "events_known": {"type": "integer"}, "records": {"type": "integer"},
                               "problem_count": {"type": "integer"},
                               "problems": {"type": "array", "items": {"type": "string"}},
                               "unmatched_users": {"type": "array", "items": {"type": "object"}},
                               "people_with_changed_evidence": {"type": "integer"}}}}}},
                **_errors(401, 422)}}},
    },
}
