"""A small report builder: filter records, group them, count or sum a field."""
from __future__ import annotations

from typing import Any

from simulations.schema import OBJECTS, field


class ReportError(ValueError):
    pass


def matches(record: dict, filters: dict[str, Any], state: dict | None = None) -> bool:
    for name, wanted in filters.items():
        if name.startswith("account."):  # a filter on the related account's field
            account = (state or {}).get("records", {}).get("account", {}).get(record.get("account_id")) or {}
            value = account.get(name.split(".", 1)[1])
        else:
            value = record.get(name)
        if name == "stage" and wanted == "open":
            if value in ("Closed Won", "Closed Lost"):
                return False
        elif isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def run_report(state: dict, obj: str | None, filters: dict, group_by: str | None, measure: str | None) -> list[dict]:
    """Rows of {group, count, sum}; `measure` is a money/number field to sum (or None to count)."""
    if obj not in OBJECTS:
        raise ReportError(f"unknown object {obj!r}")
    for name in list(filters) + [n for n in (group_by, measure) if n]:
        if name.startswith("account.") and field(obj, "account_id") and field("account", name[8:]):
            continue
        if field(obj, name) is None:
            raise ReportError(f"{OBJECTS[obj]['label']} has no field {name!r}")
    if measure and field(obj, measure).kind not in ("money", "number"):
        raise ReportError("only amounts and numbers can be summed")
    groups: dict[Any, dict] = {}
    for record in state["records"].get(obj, {}).values():
        if not matches(record, filters, state):
            continue
        key = record.get(group_by) if group_by else "All"
        row = groups.setdefault(key, {"group": key, "count": 0, "sum": 0.0})
        row["count"] += 1
        row["sum"] += float(record.get(measure) or 0) if measure else 0.0
    return sorted(groups.values(), key=lambda r: (str(r["group"]) if r["group"] is not None else ""))
