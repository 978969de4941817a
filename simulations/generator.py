"""Seeded starting data: scenario records with placeholders filled per attempt, so names, amounts
and dates differ between trainees while `$symbol` references keep the checks valid.

Placeholders: {first} {last} {company} {email} {phone} {country} {industry} {amount} {amount:A-B}
{date:+N} {date:-N} {date:+A..+B} and {same:sym.field} (copy another record's value). A value
"$sym" is the id of the record named sym, "$sym.field" one of its values, and "$values.name" a
generated value from the setup's `values:` section (for facts the brief gives that are not records).
"""
from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta

from simulations.schema import COUNTRIES, INDUSTRIES

FIRST = ["Aisha", "Ben", "Carla", "Dmitri", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kenji", "Lena", "Marta",
         "Nikhil", "Olga", "Pedro", "Rania", "Sven", "Tomasz", "Uma", "Viktor", "Wen", "Yara", "Zeno"]
LAST = ["Bello", "Novak", "Okafor", "Lindqvist", "Moreau", "Natarajan", "Haddad", "Berg", "Costa", "Fischer",
        "Kowalski", "Marin", "Oyelaran", "Petrov", "Rossi", "Sato", "Teixeira", "Van Dijk", "Weber", "Yilmaz"]
COMPANY_A = ["Halvorsen", "Keystone", "Brightwater", "Nordwind", "Orion", "Fjordline", "Redfern", "Altamira",
             "Bluepeak", "Cedarline", "Dunmore", "Everly", "Granite", "Harbourview", "Ironbridge", "Juniper"]
COMPANY_B = ["Logistics", "Foods", "Retail Group", "Shipping", "Manufacturing", "Health", "Systems", "Supplies"]
PLACEHOLDER = re.compile(r"\{([a-z]+)(?::([^}]*))?\}")


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


class Filler:
    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)  # seeded sandbox data, not security  # nosec B311
        self.today = today
        self.used: set[str] = set()

    def unique(self, make) -> str:
        for _ in range(200):
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value
        return make()

    def fill(self, value, ctx: dict, records: dict, bindings: dict):
        if isinstance(value, str) and value.startswith("$"):
            sym, _, attr = value[1:].partition(".")
            obj, rid = bindings[sym]
            return rid if not attr else records[obj][rid].get(attr)
        if not isinstance(value, str):
            return value
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in ("amount", "date"):
            return self.token(whole.group(1), whole.group(2), ctx, records, bindings)
        return PLACEHOLDER.sub(lambda m: str(self.token(m.group(1), m.group(2), ctx, records, bindings)), value)

    def token(self, name: str, arg: str | None, ctx: dict, records: dict, bindings: dict):
        rng = self.rng
        if name == "first":
            return ctx.setdefault("first", rng.choice(FIRST))
        if name == "last":
            return ctx.setdefault("last", self.unique(lambda: rng.choice(LAST)))
        if name == "company":
            return ctx.setdefault("company", self.unique(lambda: f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}"))
        if name == "email":
            company = ctx.get("company") or ctx.get("account_name") or self.token("company", None, ctx, records, bindings)
            first, last = self.token("first", None, ctx, records, bindings), self.token("last", None, ctx, records, bindings)
            return f"{slug(first)}.{slug(last)}@{slug(company.split()[0])}.example"
        if name == "phone":
            return f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if name == "country":
            return ctx.setdefault("country", rng.choice(COUNTRIES))
        if name == "industry":
            return rng.choice(INDUSTRIES)
        if name == "amount":
            low, high = (int(v) for v in (arg or "5000-90000").split("-"))
            return float(round(rng.randint(low, high), -2))
        if name == "date":
            if arg and ".." in arg:
                low, high = (int(v) for v in arg.split(".."))
                days = rng.randint(low, high)
            else:
                days = int(arg or 0)
            return (self.today + timedelta(days=days)).isoformat()
        if name == "same":
            sym, _, attr = (arg or "").partition(".")
            obj, rid = bindings[sym]
            return records[obj][rid].get(attr)
        raise ValueError(f"unknown placeholder {{{name}}}")


def build(setup: dict[str, list[dict]], seed: int, today: date) -> tuple[dict, dict]:
    """The starting state and the bindings symbol → (object, id)."""
    filler = Filler(seed, today)
    state = {"records": {}, "seq": 0, "today": today.isoformat(), "reports": [], "values": {}}
    bindings: dict[str, tuple[str, str]] = {}
    ctx_values: dict = {}  # shared, so {first}, {last} and {email} describe the same person
    for name, template in (setup.get("values") or {}).items():  # generated values that are not records
        state["values"][name] = filler.fill(template, ctx_values, state["records"], bindings)
    for obj, specs in setup.items():
        if obj == "values":
            continue
        for spec in specs:
            ctx: dict = {}
            if isinstance(spec.get("account_id"), str) and spec["account_id"].startswith("$"):
                account = bindings[spec["account_id"][1:]]
                ctx["account_name"] = state["records"]["account"][account[1]]["name"]
            record = {}
            for name, value in spec.items():
                if name != "sym":
                    record[name] = filler.fill(value, ctx, state["records"], bindings)
            state["seq"] += 1
            rid = f"{obj[:3]}-{state['seq']}"
            state["records"].setdefault(obj, {})[rid] = record
            if spec.get("sym"):
                bindings[spec["sym"]] = (obj, rid)
    return state, bindings


def resolve(value, state: dict, bindings: dict, initial: dict, last: dict):
    """Resolve a solution or check value: $sym, $sym.field (initial value), @last, @result.key."""
    if isinstance(value, dict):
        return {k: resolve(v, state, bindings, initial, last) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, state, bindings, initial, last) for v in value]
    if not isinstance(value, str):
        return value
    if value.startswith("$"):
        sym, _, attr = value[1:].partition(".")
        if sym == "values":
            return initial["values"][attr]
        obj, rid = bindings[sym]
        return rid if not attr else initial["records"][obj][rid].get(attr)
    if value == "@last":
        return last.get("record_id")
    if value.startswith("@result."):
        return (last.get("result") or {}).get(value[len("@result."):])
    match = PLACEHOLDER.fullmatch(value)
    if match and match.group(1) == "date":
        return (date.fromisoformat(state["today"]) + timedelta(days=int(match.group(2) or 0))).isoformat()
    return value
