"""Reading sandbox forms: field values by the object's schema (the engine validates them)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from simulations.schema import fields


def values_from(obj: str, form: MultiDict) -> dict:
    values = {}
    for f in fields(obj):
        key = f"f_{f.name}"
        if f.kind == "bool":
            if f"has_{f.name}" in form:
                values[f.name] = key in form
        elif key in form:
            values[f.name] = form.get(key, "").strip() or None
    return values


def list_filters(obj: str, args: MultiDict) -> dict:
    """List-view filters: the object's picklists, plus the related account's industry and country."""
    allowed = {f.name for f in fields(obj) if f.kind == "picklist"}
    if any(f.name == "account_id" for f in fields(obj)):
        allowed |= {"account.industry", "account.country"}
    return {name: value for name, value in ((k[2:], v) for k, v in args.items() if k.startswith("f_"))
            if name in allowed and value}
