"""The question editor's form: a question in the bank's raw shape (`quizzes.raw`) to rows of inputs and
back. Options, accepted answers, steps and pairs are rows (blank rows are ignored, so the page needs
no script to add one); marks are written as percentages, as Moodle users know them."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from quizzes.model import Problem
from quizzes.registry import ITEM_TYPES

BLANK_ROWS = 2
MIN_ROWS = {"single_choice": 4, "multiple_response": 4, "short_text": 2, "ordering": 4, "matching": 3, "numeric": 1}
_INDEX = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")
FIELD_WORDS = {"options": "Option", "partial": "Accepted answer", "sequence": "Step", "pairs": "Pair",
               "patterns": "Pattern", "sample": "Sample"}
FIELDS = {"stem": "Question", "accept": "Accepted answers", "options": "Options", "sequence": "Steps", "pairs": "Pairs",
          "type": "Type", "items": "Questions", "time_limit_minutes": "Time limit",
          "pass_mark": "Pass mark",  # a field's name in words, not a secret  # nosec B105
          "max_items": "Most questions", "confidence": "Confidence", "role": "Job role"}


def _mark(value: Any) -> str:
    return f"{float(value) * 100:g}"


def rows_of(raw: dict) -> dict[str, Any]:
    """What the form shows for this raw question: plain fields and row lists padded with blank rows."""
    kind = raw.get("type", "single_choice")
    values: dict[str, Any] = {
        "type": kind, "stem": raw.get("stem_html") or raw.get("stem", ""), "explanation": raw.get("explanation", ""),
        "stem_format": "html" if raw.get("stem_html") else "plain", "difficulty": raw.get("difficulty", "medium"), "skills": list(raw.get("skills", [])),
        "roles": list(raw.get("roles", ["all"])), "answer": raw.get("answer"),
        "tolerance": raw.get("tolerance", 0), "unit": raw.get("unit", ""),
        "case_sensitive": bool(raw.get("case_sensitive")), "patterns": "\n".join(raw.get("patterns", [])),
        "distractors": "\n".join(raw.get("distractors", [])), "rows": [],
        "feedback": dict(raw.get("feedback") or {}) if isinstance(raw.get("feedback"), dict) else {},
    }
    if kind in ("single_choice", "multiple_response"):
        rows = [{"id": o.get("id", ""), "text": o.get("text", ""), "feedback": o.get("feedback", ""),
                 "mark": _mark(o["weight"]) if "weight" in o else ("100" if o.get("correct") else "0")}
                for o in raw.get("options", [])]
        blank = {"id": "", "text": "", "feedback": "", "mark": "0"}
    elif kind == "short_text":
        rows = ([{"text": a, "mark": "100"} for a in raw.get("accept", [])]
                + [{"text": e["answer"], "mark": _mark(e["weight"])} for e in raw.get("partial", [])])
        blank = {"text": "", "mark": "100"}
    elif kind == "ordering":
        rows = [{"text": s} for s in raw.get("sequence", [])]
        blank = {"text": ""}
    elif kind == "matching":
        rows = [{"prompt": p.get("prompt", ""), "match": p.get("match", "")} for p in raw.get("pairs", [])]
        blank = {"prompt": "", "match": ""}
    elif kind == "numeric":  # answers near the right one that earn part of the mark
        rows = [{"answer": f"{e['answer']:g}" if isinstance(e.get("answer"), (int, float)) else str(e.get("answer", "")),
                 "tolerance": f"{e.get('tolerance', 0):g}", "mark": _mark(e.get("weight", 0))}
                for e in raw.get("partial", [])]
        blank = {"answer": "", "tolerance": "0", "mark": "50"}
    else:
        return values
    values["rows"] = rows + [dict(blank) for _ in range(max(BLANK_ROWS, MIN_ROWS[kind] - len(rows)))]
    return values


def _rows(form: MultiDict, prefix: str, fields: tuple[str, ...], filled_by: tuple[str, ...] = ()
          ) -> list[dict[str, str]]:
    """Filled rows in order (`opt-0-text`, `opt-0-mark`, …); a row whose text fields (or the `filled_by`
    ones) are all blank is skipped."""
    indexes = sorted({int(name.split("-")[1]) for name in form if name.startswith(prefix + "-")
                      and name.split("-")[1].isdigit()})
    rows = []
    for index in indexes[:50]:
        row = {f: (form.get(f"{prefix}-{index}-{f}") or "").strip() for f in fields}
        if any(row[f] for f in (filled_by or [f for f in fields if f not in ("mark", "id")])):
            rows.append(row)
    return rows


def _percent(text: str, row: int, what: str, problems: list[Problem]) -> float | None:
    try:
        value = float((text or "0").replace("%", "").replace(",", ".").strip())
    except ValueError:
        problems.append(Problem("the form", None, f"{what}[{row}].mark", "must be a percentage, e.g. 100, 50 or 0"))
        return None
    return value / 100


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def raw_from(form: MultiDict) -> tuple[dict[str, Any], list[Problem]]:
    """The raw question the form describes and the problems only the form can see (a mark that is not a
    number); everything else is checked by the bank's rules when the draft is saved."""
    kind = form.get("type", "")
    problems: list[Problem] = []
    raw: dict[str, Any] = {"type": kind, "stem": form.get("stem", ""), "explanation": form.get("explanation", ""),
                           "difficulty": form.get("difficulty", "medium"), "skills": form.getlist("skills"),
                           "roles": form.getlist("roles") or ["all"]}
    if form.get("stem_format") == "html":  # formatted text (kept from an import): its plain text is derived
        raw["stem_html"], raw["stem"] = raw["stem"], ""
    if kind in ("single_choice", "multiple_response"):
        options, taken = [], set()
        for n, row in enumerate(_rows(form, "opt", ("id", "text", "mark", "feedback"))):
            option = {"id": row["id"], "text": row["text"]}
            weight = _percent(row["mark"], n, "options", problems)
            option["weight"] = weight if weight is not None else 0.0
            if row["feedback"]:
                option["feedback"] = row["feedback"]
            options.append(option)
            taken.add(row["id"])
        letters = (chr(c) for c in range(ord("a"), ord("z") + 1))
        for option in options:  # new rows get the first free letter; existing ids stay
            if not option["id"]:
                option["id"] = next(x for x in letters if x not in taken)
                taken.add(option["id"])
        if all(o["weight"] in (0.0, 1.0) for o in options):  # plain right/wrong: no weights stored
            for option in options:
                option["correct"] = option.pop("weight") == 1.0
        raw["options"] = options
    elif kind == "true_false":
        raw["answer"] = {"true": True, "false": False}.get(form.get("answer", ""))
        feedback = {said: form.get(f"feedback-{said}", "").strip() for said in ("true", "false")}
        if any(feedback.values()):
            raw["feedback"] = {k: v for k, v in feedback.items() if v}
    elif kind == "numeric":
        raw["answer"] = form.get("answer", "")
        try:
            raw["tolerance"] = float((form.get("tolerance") or "0").replace(",", "."))
        except ValueError:
            problems.append(Problem("the form", None, "tolerance", "must be a number of 0 or more"))
        raw["unit"] = form.get("unit", "").strip()
        partial = []
        for n, row in enumerate(_rows(form, "near", ("answer", "tolerance", "mark"), filled_by=("answer",))):
            weight = _percent(row["mark"], n, "partial", problems)
            try:
                margin = float((row["tolerance"] or "0").replace(",", "."))
            except ValueError:
                problems.append(Problem("the form", None, f"partial[{n}].tolerance", "must be a number of 0 or more"))
                continue
            if weight is not None:
                partial.append({"answer": row["answer"], "tolerance": margin, "weight": weight})
        if partial:
            raw["partial"] = partial
    elif kind == "short_text":
        accept, partial = [], []
        for n, row in enumerate(_rows(form, "ans", ("text", "mark"))):
            weight = _percent(row["mark"], n, "partial", problems)
            if weight == 1.0 and "*" not in row["text"]:
                accept.append(row["text"])
            elif weight is not None:
                partial.append({"answer": row["text"], "weight": weight})
        raw.update(accept=accept, patterns=_lines(form.get("patterns")))
        if partial:
            raw["partial"] = partial
        if form.get("case_sensitive"):
            raw["case_sensitive"] = True
    elif kind == "ordering":
        raw["sequence"] = [row["text"] for row in _rows(form, "step", ("text",))]
    elif kind == "matching":
        raw["pairs"] = [{"prompt": r["prompt"], "match": r["match"]} for r in _rows(form, "pair", ("prompt", "match"))]
        raw["distractors"] = _lines(form.get("distractors"))
    return raw, problems


def in_words(problem: Problem) -> str:
    """'options[2].text: is missing' → 'Option 3, text: is missing'."""
    field = problem.field or ""
    match = _INDEX.match(field)
    if match:
        name, index, part = match.groups()
        where = f"{FIELD_WORDS.get(name, name.capitalize())} {int(index) + 1}" + (f", {part}" if part else "")
    else:
        where = FIELDS.get(field, field.replace("_", " ").capitalize() or "Question")
    return f"{where}: {problem.message}"


TYPE_CHOICES = [(name, kind.label) for name, kind in ITEM_TYPES.items()]


def with_picture(raw: dict[str, Any], upload, alt: str) -> tuple[dict[str, Any], list[Problem], list]:
    """The question with a picture the trainer uploaded added below its text (the text becomes formatted
    text if it was plain), the problems with the picture, and the picture to store. Its type is read
    from its bytes; an SVG, another file or one over the size limit is refused with why."""
    from markupsafe import escape

    from quizzes import rich

    if upload is None or not upload.filename:
        return raw, [], []
    data = upload.read(rich.MAX_ASSET_BYTES + 1)
    asset, why = rich.make_asset(data, upload.filename)
    alt = " ".join(alt.split())[:200]
    if why:
        return raw, [Problem("the form", None, "picture", why + " (choose it again once fixed)")], []
    if not alt:
        return raw, [Problem("the form", None, "picture_alt", "say in a few words what the picture shows, for people "
                                                              "who cannot see it (then choose the picture again)")], []
    html = raw.get("stem_html") or "".join(f"<p>{escape(line)}</p>" for line in raw["stem"].splitlines() if line.strip())
    raw = {**raw, "stem_html": f'{html}<p><img src="asset:{asset.sha256}" alt="{escape(alt)}"></p>', "stem": ""}
    return raw, [], [asset]


def checked_save(problems: list[Problem], save):
    """Run `save()` if the form read cleanly and its CSRF token holds (the editors check their own
    token, so an expired form comes back filled in); returns (what save returned, problems)."""
    from app.admin.forms import ToggleForm
    from app.extensions import db
    from app.services.errors import ProblemsFound

    if not ToggleForm().validate_on_submit():
        problems = [Problem("the form", None, "form", "your form expired; please save again"), *problems]
    if problems:
        return None, problems
    try:
        return save(), []
    except ProblemsFound as refused:
        db.session.rollback()
        return None, refused.problems
