"""The module catalogue (curriculum/modules.yaml) and its lessons. Flask-free."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = ("elearning", "exercise", "instructor_led", "job_aid", "refresher_quiz")
ROOT = Path(__file__).resolve().parents[2] / "curriculum"


@dataclass(frozen=True)
class Module:
    id: str
    kind: str
    title: str
    skills: tuple[str, ...]
    minutes: int
    lesson: str | None = None
    prerequisites: tuple[str, ...] = ()
    check: dict = field(default_factory=dict, hash=False, compare=False)  # {"quiz": key} or {"exercise": key}


def load_modules(skills: frozenset[str], quizzes: set[str] | None = None, exercises: set[str] | None = None,
                 root: Path = ROOT) -> tuple[list[Module], list[str]]:
    """Validated modules and a list of problems (each naming the module and field)."""
    raw = yaml.safe_load((root / "modules.yaml").read_text(encoding="utf-8")) or {}
    modules, problems, ids = [], [], set()
    for entry in raw.get("modules", []):
        mid = str(entry.get("id", "?"))

        def report(name: str, message: str) -> None:
            problems.append(f"modules.yaml module {mid} field {name}: {message}")

        if mid in ids:
            report("id", "is used twice")
        ids.add(mid)
        if entry.get("kind") not in KINDS:
            report("kind", f"use one of {', '.join(KINDS)}")
        for skill in entry.get("skills") or []:
            if skill not in skills:
                report("skills", f"unknown skill {skill!r}")
        if not entry.get("skills"):
            report("skills", "needs at least one skill")
        lesson = entry.get("lesson")
        if lesson and not (root / "lessons" / lesson).is_file():
            report("lesson", f"no lesson file {lesson}")
        if entry.get("kind") == "elearning" and not (lesson and entry.get("check")):
            report("check", "an eLearning module needs a lesson and a closing check")
        check = entry.get("check") or {}
        if "quiz" in check and quizzes is not None and check["quiz"] not in quizzes:
            report("check", f"unknown quiz {check['quiz']!r}")
        if "exercise" in check and exercises is not None and check["exercise"] not in exercises:
            report("check", f"unknown exercise {check['exercise']!r}")
        modules.append(Module(mid, entry.get("kind", ""), str(entry.get("title", "")), tuple(entry.get("skills") or []),
                              int(entry.get("minutes", 15)), lesson, tuple(entry.get("prerequisites") or []), check))
    for m in modules:
        for pre in m.prerequisites:
            if pre not in ids:
                problems.append(f"modules.yaml module {m.id} field prerequisites: unknown module {pre!r}")
    return modules, problems


def lesson_text(module: Module, root: Path = ROOT) -> str:
    return (root / "lessons" / module.lesson).read_text(encoding="utf-8") if module.lesson else ""
