"""Scenario files: loading and validating them, starting an exercise, solving it with the
reference solution, and grading an action log."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from simulations.actions import HANDLERS, MUTATING, InvalidAction, apply
from simulations.checks import CHECK_TYPES, CheckDef, CheckResult, Context, run_checks
from simulations.generator import build, resolve
from simulations.schema import OBJECTS

MAX_FILE_BYTES = 512 * 1024


# Where an exercise can open: any object's list view, the report builder or global search.
START_PAGES = frozenset(OBJECTS) - {"campaign_member"} | {"report", "search"}


@dataclass(frozen=True)
class Problem:
    file: str
    scenario_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f" scenario {self.scenario_id}" if self.scenario_id else "") + \
            (f" field {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    brief: str
    skills: tuple[str, ...]
    roles: tuple[str, ...]
    minutes: int
    setup: dict
    checks: tuple[CheckDef, ...]
    solution: tuple[dict, ...]
    hints: tuple[str, ...] = ()
    start: str = "account"  # the page the exercise opens on: an object's list, "report" or "search"
    source: str = ""
    hint_checks: tuple[tuple[str, ...], ...] = ()  # per hint, the checks it helps with (empty: any)

    @property
    def optimal_steps(self) -> int:
        return sum(1 for a in self.solution if a.get("type") in MUTATING)


@dataclass
class Run:
    """An exercise being worked: the state after every action, and the log that grading reads."""
    initial: dict
    bindings: dict
    state: dict
    log: list[dict] = field(default_factory=list)
    hints_used: int = 0


def start(scenario: Scenario, seed: int, today: date) -> Run:
    state, bindings = build(scenario.setup, seed, today)
    return Run(initial=state, bindings=bindings, state=state)


def act(run: Run, action: dict, at: float = 0.0):
    """Apply one action to the run and record it (InvalidAction propagates, nothing is recorded)."""
    outcome = apply(run.state, action)
    run.log.append({"action": action, "ok": outcome.ok, "errors": outcome.errors, "at": at,
                    "record_id": outcome.record_id})
    run.state = outcome.state
    if action.get("type") == "hint" and outcome.ok:
        run.hints_used += 1
    return outcome


def solve(scenario: Scenario, run: Run) -> Run:
    """Play the reference solution (values may use $sym, $sym.field, @last, @result.key, {date:+N})."""
    last: dict = {}
    for step in scenario.solution:
        action = resolve(step, run.state, run.bindings, run.initial, last)
        outcome = act(run, action)
        if not outcome.ok:
            raise AssertionError(f"{scenario.id}: reference step {step} failed: {outcome.errors}")
        last = {"record_id": outcome.record_id, "result": outcome.result}
    return run


def next_hint(scenario: Scenario, run: Run) -> int | None:
    """The first hint not given yet that still helps: one of its checks is not passed in the current
    state (a hint about a step already done is not offered). None when no hint is left that helps."""
    given = {e["action"].get("index") for e in run.log if e["action"].get("type") == "hint" and e["ok"]}
    passed = {r.id for r in grade(scenario, run, elapsed=0.0) if r.passed or r.kind == "process"}
    for index, checks in enumerate(scenario.hint_checks or ((),) * len(scenario.hints)):
        if index in given:
            continue
        if any(c not in passed for c in checks) or (not checks and len(passed) < len(scenario.checks)):
            return index
    return None


def brief_text(scenario: Scenario, run: Run) -> str:
    """The brief with [[sym.field]] replaced by this attempt's generated values."""
    import re

    def value(match):
        sym, _, attr = match.group(1).partition(".")
        if sym == "values":
            raw = run.initial["values"][attr]
            return f"{raw:,.0f}" if isinstance(raw, float) else str(raw)
        obj, rid = run.bindings[sym]
        record = run.initial["records"][obj][rid]
        if attr == "name" and "name" not in record:
            return " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p)
        raw = record.get(attr)
        return f"{raw:,.0f}" if isinstance(raw, float) else str(raw)

    return re.sub(r"\[\[([a-z0-9_]+(?:\.[a-z_]+)?)\]\]", value, scenario.brief)


def grade(scenario: Scenario, run: Run, elapsed: float) -> list[CheckResult]:
    ctx = Context(run.initial, run.state, run.bindings, run.log, run.hints_used, elapsed, scenario.optimal_steps)
    return run_checks(list(scenario.checks), ctx)


# --- loading ----------------------------------------------------------------------------------------
def _parse(raw: Any, file: str, skills: frozenset[str]) -> tuple[Scenario | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(file, None, None, "must be a mapping")]
    sid = str(raw.get("id", "")).strip()

    def report(name: str, message: str):
        problems.append(Problem(file, sid or None, name, message))

    for name in ("id", "title", "brief"):
        if not str(raw.get(name) or "").strip():
            report(name, "is missing")
    setup = raw.get("setup")
    if not isinstance(setup, dict) or not setup:
        report("setup", "needs starting records per object")
        setup = {}
    symbols = {"values"}
    for obj, specs in setup.items():
        if obj == "values":
            continue
        if obj not in OBJECTS:
            report(f"setup.{obj}", f"unknown object {obj!r}")
        for spec in specs if isinstance(specs, list) else []:
            if isinstance(spec, dict) and spec.get("sym"):
                symbols.add(spec["sym"])
    checks = []
    for index, c in enumerate(raw.get("checks") or []):
        where = f"checks[{index}]"
        if not isinstance(c, dict) or c.get("type") not in CHECK_TYPES:
            report(where, f"unknown check type {c.get('type') if isinstance(c, dict) else c!r}; "
                          f"use one of {', '.join(sorted(CHECK_TYPES))}")
            continue
        tags = c.get("skills") or raw.get("skills") or []
        for tag in tags:
            if tag not in skills:
                report(f"{where}.skills", f"unknown skill {tag!r}")
        for ref in _symbols_in(c):
            if ref not in symbols:
                report(where, f"refers to ${ref}, which the setup does not define")
        params = {k: v for k, v in c.items() if k not in ("id", "label", "type", "skills", "weight")}
        checks.append(CheckDef(str(c.get("id") or f"check-{index + 1}"), str(c.get("label") or c["type"]), c["type"],
                               tuple(tags), float(c.get("weight", 1.0)), params))
    if not checks:
        report("checks", "needs at least one check")
    if len({c.id for c in checks}) != len(checks):
        report("checks", "check ids must be unique")
    if not any(CHECK_TYPES[c.type][0] == "end_state" for c in checks):
        report("checks", "needs at least one end-state check")
    hints, hint_checks = [], []
    for index, hint in enumerate(raw.get("hints") or []):
        text, helps = (hint, []) if isinstance(hint, str) else ((hint or {}).get("text"), (hint or {}).get("checks") or [])
        if not isinstance(text, str) or not text.strip():
            report(f"hints[{index}]", "give the hint's text, or text and the checks it helps with")
            continue
        unknown = [c for c in helps if c not in {d.id for d in checks}]
        if unknown:
            report(f"hints[{index}].checks", f"unknown check {unknown[0]!r}")
        hints.append(text.strip())
        hint_checks.append(tuple(helps))
    solution = raw.get("solution") or []
    for index, step in enumerate(solution):
        if not isinstance(step, dict) or step.get("type") not in HANDLERS:
            report(f"solution[{index}]", "each step needs a known action type")
    for tag in raw.get("skills") or []:
        if tag not in skills:
            report("skills", f"unknown skill {tag!r}")
    if raw.get("start", "account") not in START_PAGES:
        report("start", f"must be one of {', '.join(sorted(START_PAGES))} (the page the exercise opens on)")
    if problems:
        return None, problems
    return Scenario(sid, raw["title"].strip(), raw["brief"].strip(), tuple(raw.get("skills") or []),
                    tuple(raw.get("roles") or ["all"]), int(raw.get("minutes", 10)), setup, tuple(checks),
                    tuple(solution), tuple(hints), raw.get("start", "account"), file, tuple(hint_checks)), []


def _symbols_in(value) -> set[str]:
    if isinstance(value, str) and value.startswith("$"):
        return {value[1:].partition(".")[0]}
    if isinstance(value, dict):
        return set().union(*(_symbols_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_symbols_in(v) for v in value)) if value else set()
    return set()


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and duplicate keys (YAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        dupes = sorted({str(k) for k in keys if keys.count(k) > 1})
        if dupes:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {dupes[0]!r}", node.start_mark)
        return super().construct_mapping(node, deep=deep)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", self.peek_event().start_mark)
        return super().compose_node(parent, index)


def load_scenarios(paths, skills: frozenset[str]) -> tuple[list[Scenario], list[Problem]]:
    scenarios, problems, seen = [], [], {}
    for path in sorted(Path(p) for p in paths):
        text = path.read_text(encoding="utf-8")
        if len(text.encode()) > MAX_FILE_BYTES:
            problems.append(Problem(path.name, None, None, "file is larger than 512 KiB"))
            continue
        try:
            raw = yaml.load(text, Loader=_NoAliasLoader)  # _NoAliasLoader subclasses yaml.SafeLoader  # nosec B506
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(path.name, None, None, "is not valid YAML" +
                                    (f" (line {mark.line + 1})" if mark else "") + f": {getattr(exc, 'problem', exc)}"))
            continue
        entries = raw if isinstance(raw, list) else [raw]
        parsed, found = [], []
        for entry in entries:
            scenario, entry_problems = _parse(entry, path.name, skills)
            found.extend(entry_problems)
            if scenario and (scenario.id in seen or scenario.id in {s.id for s in parsed}):
                found.append(Problem(path.name, scenario.id, "id", "is used more than once"))
            elif scenario:
                parsed.append(scenario)
        problems.extend(found)
        if not found:  # a file with any problem contributes nothing
            seen.update({s.id: path.name for s in parsed})
            scenarios.extend(parsed)
    return scenarios, problems


def scenario_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


# --- tailoring (an organisation's own version of a scenario) -----------------------------------------
def parse_yaml_text(text: str, where: str) -> tuple[Any, str | None]:
    """YAML read as the scenario files are (no aliases, no duplicate keys): (value, None) or (None, why)."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader), None  # _NoAliasLoader subclasses yaml.SafeLoader  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, (f"{where} is not valid YAML" + (f" (line {mark.line + 1})" if mark else "")
                      + f": {getattr(exc, 'problem', exc)}")


def raw_scenarios(paths) -> dict[str, dict]:
    """Each scenario's mapping as written in its file (what a tailored version starts from)."""
    found: dict[str, dict] = {}
    for path in sorted(Path(p) for p in paths):
        raw, error = parse_yaml_text(path.read_text(encoding="utf-8"), path.name)
        for entry in (raw if isinstance(raw, list) else [raw]) if error is None else []:
            if isinstance(entry, dict) and entry.get("id"):
                found[str(entry["id"])] = entry
    return found


def parse_scenario(raw: Any, file: str, skills: frozenset[str]) -> tuple[Scenario | None, list[Problem]]:
    return _parse(raw, file, skills)


def tailoring_problems(scenario: Scenario, seeds=(11, 12, 13), today: date = date(2026, 3, 2)) -> list[str]:
    """Why a scenario cannot be offered as it stands, checked by playing it in the sandbox: the starting
    data must build, the brief may name only what it has, a run where nothing is done must earn no
    end-state check, and the reference solution must still work and earn every check (a check it cannot
    earn can never be passed)."""
    broken = (AssertionError, InvalidAction, KeyError, IndexError, TypeError, ValueError)
    problems: list[str] = []
    for seed in seeds:
        try:
            run = start(scenario, seed, today)
        except broken as error:
            return [f"the starting data cannot be built ({_why(error)})"]
        try:
            brief_text(scenario, run)
        except broken as error:
            problems.append(f"the brief names [[{_why(error)}…]], which the starting data does not have")
        try:
            empty = grade(scenario, run, elapsed=0.0)
        except broken as error:
            return problems + [f"the checks need something the starting data does not have ({_why(error)})"]
        problems += [f"check “{r.label}” passes before anything is done" for r in empty
                     if r.kind == "end_state" and r.score > 0.001]
        try:
            solve(scenario, run)
        except broken as error:
            return problems + [f"the reference solution no longer works on this starting data ({_why(error)})"]
        failed = [r for r in grade(scenario, run, elapsed=60.0) if not r.passed]
        kinds = {c.id: c.type for c in scenario.checks}  # guards and process checks follow the task's share:
        failed = [r for r in failed if r.kind == "end_state" and kinds[r.id] != "unchanged"] or failed  # name the cause
        problems += [f"check “{r.label}” does not pass even when the task is done right, so it can never pass "
                     f"({r.message})" for r in failed]
        if problems:
            break
    return list(dict.fromkeys(problems))


def _why(error: Exception) -> str:
    return str(error.args[0]) if error.args else type(error).__name__

__all__ = ["InvalidAction", "Problem", "Run", "Scenario", "act", "grade", "load_scenarios", "solve", "start"]
