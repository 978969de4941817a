"""Checks grade a finished (or in-progress) exercise. End-state checks look at the resulting data;
process checks at the action log. Each returns partial credit and a message that says what is
not right yet without giving the solution away."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from simulations.generator import resolve
from simulations.schema import OBJECTS, field
from simulations.validation import normalise_name
from simulations.actions import MUTATING


@dataclass(frozen=True)
class CheckDef:
    id: str
    label: str
    type: str
    skills: tuple[str, ...]
    weight: float
    params: dict


@dataclass(frozen=True)
class CheckResult:
    id: str
    label: str
    kind: str  # end_state | process
    skills: tuple[str, ...]
    weight: float
    score: float
    message: str

    @property
    def passed(self) -> bool:
        return self.score >= 0.999


@dataclass
class Context:
    initial: dict
    final: dict
    bindings: dict
    log: list[dict]  # {"action": {...}, "ok": bool, "errors": {...}, "at": seconds}
    hints_used: int
    elapsed: float
    optimal_steps: int

    def value(self, v):
        return resolve(v, self.final, self.bindings, self.initial, {})

    def ids(self, obj: str, sym_or_where) -> list[str]:
        records = self.final["records"].get(obj, {})
        if isinstance(sym_or_where, str):
            rid = self.value(sym_or_where)
            return [rid] if rid in records else []
        return list(records)


def _condition(record: dict, name: str, wanted, ctx: Context) -> bool:
    value = record.get(name)
    if isinstance(wanted, dict):
        if "contains" in wanted:
            return isinstance(value, str) and str(ctx.value(wanted["contains"])).lower() in value.lower()
        if "not_empty" in wanted:
            return value not in (None, "")
        if "in" in wanted:
            return value in [ctx.value(w) for w in wanted["in"]]
        if "after_today" in wanted:
            return isinstance(value, str) and value > ctx.final["today"]
        if "not" in wanted:
            return value != ctx.value(wanted["not"])
    return value == ctx.value(wanted)


def _label_fields(obj: str, names) -> str:
    labels = [(field(obj, n).label if field(obj, n) else n).lower() for n in names]
    return ", ".join(labels)


def check_record(d: CheckDef, ctx: Context):
    """A record of `object` matching every condition in `where` exists (or the given `record` does)."""
    obj, where = d.params["object"], d.params.get("where", {})
    records = ctx.final["records"].get(obj, {})
    candidates = [records[i] for i in ctx.ids(obj, d.params["record"])] if "record" in d.params else list(records.values())
    if not candidates:
        return 0.0, d.params.get("missing", f"No matching {OBJECTS[obj]['label'].lower()} yet.")
    best, best_missing = -1.0, list(where)
    for record in candidates:
        missing = [n for n, w in where.items() if not _condition(record, n, w, ctx)]
        score = 1 - len(missing) / max(len(where), 1)
        if score > best:
            best, best_missing = score, missing
    if best >= 1:
        return 1.0, "Done."
    return best, d.params.get("hint") or f"Not yet: check the {_label_fields(obj, best_missing)}."


def check_no_duplicates(d: CheckDef, ctx: Context):
    obj, key = d.params["object"], d.params.get("key", "email")
    seen: dict[str, int] = {}
    for record in ctx.final["records"].get(obj, {}).values():
        value = normalise_name(record.get(key)) if key == "name" else (record.get(key) or "").lower()
        if value and record.get("status") != "Converted":
            seen[value] = seen.get(value, 0) + 1
    extra = sum(n - 1 for n in seen.values() if n > 1)
    if not extra:
        return 1.0, "No duplicates."
    return 0.0, f"There are duplicate {OBJECTS[obj]['plural'].lower()} (the same {key} more than once)."


def check_unchanged(d: CheckDef, ctx: Context):
    """The named records still exist with their original values in the given fields (nothing damaged)."""
    syms, names = d.params["records"], d.params.get("fields")
    intact = 0
    for sym in syms:
        obj, rid = ctx.bindings[sym[1:].partition(".")[0]]
        before, after = ctx.initial["records"][obj][rid], ctx.final["records"].get(obj, {}).get(rid)
        if after is not None and all(after.get(n) == before.get(n) for n in (names or before)):
            intact += 1
    score = intact / len(syms)
    return score, "Nothing else was changed." if score >= 1 else d.params.get(
        "hint", "Some records that should have stayed as they were were changed or removed.")


def check_count(d: CheckDef, ctx: Context):
    obj, where, wanted = d.params["object"], d.params.get("where", {}), int(ctx.value(d.params["equals"]))
    found = sum(all(_condition(r, n, w, ctx) for n, w in where.items())
                for r in ctx.final["records"].get(obj, {}).values())
    if found == wanted:
        return 1.0, "Done."
    score = max(0.0, 1 - abs(found - wanted) / max(wanted, 1))
    return score, d.params.get("hint") or f"Not yet: {found} matching, the brief needs a different number."


def check_report(d: CheckDef, ctx: Context):
    """A report was run on the object with (at least) these filters, grouped as asked."""
    wanted = d.params
    best = 0.0
    for report in ctx.final.get("reports", []):
        parts = [report.get("object") == wanted["object"],
                 all(report.get("filters", {}).get(k) == ctx.value(v) for k, v in wanted.get("filters", {}).items()),
                 report.get("group_by") == wanted.get("group_by"),
                 report.get("measure") == wanted.get("measure")]
        best = max(best, sum(parts) / len(parts))
    return best, "Done." if best >= 1 else wanted.get("hint", "Not yet: the report does not answer the question.")


def _mutations(ctx: Context) -> list[dict]:
    return [e for e in ctx.log if e["action"].get("type") in MUTATING]


def check_steps(d: CheckDef, ctx: Context):
    steps = len([e for e in _mutations(ctx) if e["ok"]])
    extra = max(0, steps - ctx.optimal_steps - int(d.params.get("slack", 0)))
    score = max(0.0, 1 - 0.25 * extra)
    return score, "Efficient." if extra == 0 else f"{steps} changes where {ctx.optimal_steps} would do."


def check_errors(d: CheckDef, ctx: Context):
    errors = len([e for e in _mutations(ctx) if not e["ok"]])
    extra = max(0, errors - int(d.params.get("allowed", 0)))
    return max(0.0, 1 - 0.25 * extra), "No validation errors." if not errors else \
        f"{errors} save{'s' if errors != 1 else ''} refused by validation rules."


def check_views(d: CheckDef, ctx: Context):
    allowed = {ctx.value(s) for s in d.params.get("allowed", [])}
    created = {e.get("record_id") for e in ctx.log}
    needless = {e["action"].get("id") for e in ctx.log if e["action"].get("type") == "view"} - allowed - created
    extra = max(0, len(needless) - int(d.params.get("tolerance", 2)))
    return max(0.0, 1 - 0.2 * extra), "Went straight to the right records." if not extra else \
        f"{len(needless)} records opened that the task did not need."


def check_hints(d: CheckDef, ctx: Context):
    return max(0.0, 1 - 0.5 * ctx.hints_used), "No hints used." if not ctx.hints_used else \
        f"{ctx.hints_used} hint{'s' if ctx.hints_used != 1 else ''} used."


def check_time(d: CheckDef, ctx: Context):
    limit = float(d.params["seconds"])
    if ctx.elapsed <= limit:
        return 1.0, "Within the expected time."
    return max(0.0, 1 - (ctx.elapsed - limit) / (2 * limit)), "Took longer than expected."


def check_searched_first(d: CheckDef, ctx: Context):
    """Before creating a record of `object`, the trainee searched (avoids duplicates)."""
    obj = d.params["object"]
    for n, entry in enumerate(ctx.log):
        if entry["action"].get("type") == "create" and entry["action"].get("object") == obj:
            return (1.0, "Searched before creating.") if any(
                e["action"].get("type") == "search" for e in ctx.log[:n]) else (0.0, "Search before you create a record.")
    return 1.0, "Nothing created without searching."


CHECK_TYPES: dict[str, tuple[str, Callable[[CheckDef, Context], tuple[float, str]]]] = {
    "record": ("end_state", check_record), "no_duplicates": ("end_state", check_no_duplicates),
    "unchanged": ("end_state", check_unchanged), "count": ("end_state", check_count),
    "report": ("end_state", check_report), "steps": ("process", check_steps), "errors": ("process", check_errors),
    "views": ("process", check_views), "hints": ("process", check_hints), "time": ("process", check_time),
    "searched_first": ("process", check_searched_first),
}


# End-state checks that hold before anything is done ("nothing else changed", "no duplicates"):
# they guard against damage but show no achievement, so like process checks their credit is earned.
GUARDS = frozenset({"unchanged", "no_duplicates"})


def earned_share(achievement: list[tuple[float, float]]) -> float:
    """How much of the task itself was done: the weighted credit (weight, credit) of the achievement
    checks; 1 when a scenario has none."""
    total_weight = sum(w for w, _ in achievement)
    return sum(w * c for w, c in achievement) / total_weight if total_weight else 1.0


def run_checks(checks: list[CheckDef], ctx: Context) -> list[CheckResult]:
    """Grade every check so that credit is earned by work done:
    - an achievement check (an end-state check the starting data does not already satisfy) credits
      only the change from the start: a field that was already right is worth nothing by itself;
    - guards (end-state checks that hold before anything is done, such as "nothing else changed")
      and process checks count only in proportion to the task done (`earned_share`).
    So an empty run scores 0, and a run that does a share of the task scores at most that share."""
    start = replace(ctx, final=ctx.initial, log=[], hints_used=0, elapsed=0.0)
    graded = []
    for d in checks:
        kind, check = CHECK_TYPES[d.type]
        score, message = check(d, ctx)
        achievement = False
        if kind == "end_state" and d.type not in GUARDS:
            before = check(d, start)[0]
            if before < 0.999:
                achievement, score = True, max(0.0, (score - before) / (1 - before))
        graded.append((d, kind, achievement, score, message))
    share = earned_share([(d.weight, score) for d, _, achievement, score, _ in graded if achievement])
    results = []
    for d, kind, achievement, score, message in graded:
        if not achievement:
            if share <= 0:
                message = "Counts once you have done the task itself."
            elif share < 0.999 and score > 0:
                message = f"{message} Counts in proportion to the task done ({share * 100:.0f}% so far)."
            score *= share
        results.append(CheckResult(d.id, d.label, kind, d.skills, d.weight, round(min(max(score, 0.0), 1.0), 4), message))
    return results


def total(results: list[CheckResult]) -> float:
    weight = sum(r.weight for r in results)
    return round(sum(r.score * r.weight for r in results) / weight, 4) if weight else 0.0
