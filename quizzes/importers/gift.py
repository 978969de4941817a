"""Moodle GIFT import: single choice, multiple response (weights), true/false, short answer,
numeric and matching. Essays, descriptions and other types are reported as unsupported.

Skills come from a comment line before the question, `// skills: lead-management, data-quality`
(also `// roles: service agent`), or from the default skills the admin picks for the upload.
"""
from __future__ import annotations

import html
import re
from typing import Any

from quizzes import rich
from quizzes.importers import (GIFT_PICTURE, LATEX, LATEX_PROBLEM, OUTSIDE_PICTURE, ImportResult, MAX_IMPORT_BYTES,
                               category_skill, content_id, slug, unique_id, validate_raw)
from quizzes.model import Problem

_ESCAPES = {"\\:": "\x00c", "\\~": "\x00t", "\\=": "\x00e", "\\#": "\x00h", "\\{": "\x00o", "\\}": "\x00x", "\\n": "\n"}
_UNESCAPE = {"\x00c": ":", "\x00t": "~", "\x00e": "=", "\x00h": "#", "\x00o": "{", "\x00x": "}"}
_DIRECTIVE = re.compile(r"^//\s*(skills|roles)\s*:\s*(.*)$", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc=(["']?)([^"'\s>]*)""", re.IGNORECASE)
_CLOZE = re.compile(r"\{\d*:(MULTICHOICE|MC|SHORTANSWER|SA|NUMERICAL|NM|MULTIRESPONSE|MR)", re.IGNORECASE)


def _escape(text: str) -> str:
    for raw, token in _ESCAPES.items():
        text = text.replace(raw, token)
    return text


def _source(text: str) -> tuple[str, bool]:
    """A GIFT text with its escapes undone and its [format] marker dropped, and whether it is HTML
    (marked [html], or Moodle's default format holding real tags)."""
    for token, char in _UNESCAPE.items():
        text = text.replace(token, char)
    text = text.strip()
    marker = re.match(r"^\[(html|moodle|plain|markdown)\]", text)
    if marker:
        text = text[marker.end():]
    return text.strip(), bool((marker and marker.group(1) == "html") or _TAG.search(text))


def _unescape(text: str) -> str:
    """A GIFT text as plain text: escapes undone, the [format] marker dropped, and HTML tags (only
    real ones: `Is 2 < 3 and 5 > 4?` keeps its signs) removed with their entities decoded."""
    text, is_html = _source(text)
    if is_html:
        text = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    return text.strip()


def _formatted(before: str, after: str) -> str | None:
    """The question text as sanitised HTML when it has formatting worth keeping (a missing-word
    question shows its blank), else None."""
    (head, head_html), (tail, tail_html) = _source(before), _source(after)
    if not (head_html or tail_html):
        return None
    clean = rich.sanitise(head + (" _____ " + tail if tail else ""))
    return clean if rich.has_formatting(clean) else None


def _blocks(text: str):
    """Yield (first line number, directives, question text) for each question. As in Moodle, a
    blank line ends a question (so a missing `}` costs one question, never the rest of the file),
    and the file is read once, line by line."""
    directives: dict[str, list[str]] = {}
    lines: list[str] = []
    start, category = 0, ""
    for number, line in enumerate(text.splitlines() + [""], start=1):
        stripped = line.strip()
        match = _DIRECTIVE.match(stripped)
        if match:
            directives[match.group(1).lower()] = [v.strip() for v in match.group(2).split(",") if v.strip()]
            continue
        if stripped.startswith("$CATEGORY:"):
            category = stripped.split(":", 1)[1].strip()
            continue
        if stripped.startswith("//"):
            continue
        if not stripped:
            if lines:
                yield start, {**directives, "category": category}, "\n".join(lines)
                directives, lines = {}, []
            continue
        if not lines:
            start = number
        lines.append(line)


def _answers(body: str, feedback: list[str] | None = None) -> list[tuple[str, str]]:
    """Split an answer block into (marker, text); each answer's `#feedback` goes to `feedback`."""
    parts = re.split(r"(?=[=~])", body.strip())
    answers = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        marker, text = part[0], part[1:]
        text, _, note = text.partition("#")
        answers.append((marker, text.strip()))
        if feedback is not None:
            feedback.append(_unescape(note))
    return answers


def _weight_of(marker: str, text: str) -> tuple[float, str]:
    """An answer's share of the mark (`=` is all of it unless `%n%` says otherwise; `~` none) and its text."""
    weight = _WEIGHT.match(text)
    if weight:
        return float(weight.group(1)) / 100, text[weight.end():]
    return (1.0 if marker == "=" else 0.0), text


def _parse_body(body: str) -> tuple[str | None, dict[str, Any]]:
    """Return (type, fields) for one answer block, or (None, {reason}) when unsupported. Weights
    follow Moodle: `{=A ~%50%B ~C}` is single choice where B earns half the mark; with no `=`
    answer and weighted `~` answers it is multiple response; `=%50%Saturn` in a short answer earns
    half; `*` in a short answer is a wildcard."""
    body = body.strip()
    if not body:
        return None, {"reason": "essay questions are not supported"}
    if re.fullmatch(r"(T|TRUE|F|FALSE)(#.*)?", body, re.DOTALL):
        parts = [_unescape(p).strip() for p in body.split("#")]
        answer = parts[0] in ("T", "TRUE")
        right, wrong = ("true", "false") if answer else ("false", "true")
        notes = {wrong: parts[1] if len(parts) > 1 else "", right: parts[2] if len(parts) > 2 else ""}  # Moodle: #wrong#right
        notes = {k: v for k, v in notes.items() if v}
        return "true_false", {"answer": answer, **({"feedback": notes} if notes else {})}
    if body.startswith("#"):
        return "numeric", _numeric(body[1:].strip())
    notes: list[str] = []
    answers = _answers(body, notes)
    if answers and all("->" in text for _, text in answers):
        pairs = [{"prompt": _unescape(t.split("->", 1)[0]), "match": _unescape(t.split("->", 1)[1])} for _, t in answers]
        return "matching", {"pairs": [p for p in pairs if p["prompt"]],
                            "distractors": [p["match"] for p in pairs if not p["prompt"]]}
    weighted = [(marker, *_weight_of(marker, text)) for marker, text in answers]
    if answers and all(marker == "=" for marker, _ in answers):
        accept, partial = [], []
        for _, weight, text in weighted:
            text = _unescape(text)
            if weight >= 1 and "*" not in text:
                accept.append(text)
            elif weight > 0:
                partial.append({"answer": text, "weight": min(weight, 1.0)})
        return "short_text", {"accept": accept, **({"partial": partial} if partial else {})}
    options = [{"id": chr(97 + i), "text": _unescape(text), "correct": weight > 0, "weight": weight,
                **({"feedback": note} if note else {})}
               for i, ((_, weight, text), note) in enumerate(zip(weighted, notes))]
    if not any(o["weight"] not in (0.0, 1.0) for o in options):
        for o in options:
            del o["weight"]  # plain right/wrong: no weights to keep
    single = any(marker == "=" for marker, _ in answers)
    return ("single_choice" if single else "multiple_response"), {"options": options}


def _numeric(spec: str) -> dict[str, Any]:
    """`40:0.5`, `35..45` or several `=` answers of which the one earning the full mark counts."""
    answers = [a.strip() for a in re.split(r"(?=[=~])", spec) if a.strip()] if spec.startswith(("=", "~")) else [spec]
    full, partial = None, []
    for answer in answers:
        marker = answer[0] if answer[0] in "=~" else "="
        weight, text = _weight_of(marker, answer.lstrip("=~").strip())
        value, tolerance = _number_and_margin(text.split("#", 1)[0].strip())
        if weight >= 1 and full is None:
            full = {"answer": value, "tolerance": tolerance}
        elif 0 < weight < 1:  # a nearer miss that earns part of the mark
            partial.append({"answer": value, "tolerance": tolerance, "weight": weight})
    if full is None:
        raise ValueError("no answer earns the full mark")
    return {**full, **({"partial": partial} if partial else {})}


def _number_and_margin(text: str) -> tuple[float, float]:
    """`40:0.5` (value and tolerance) or `35..45` (a range) as (value, tolerance)."""
    if ".." in text:
        low, high = (float(v) for v in text.split(".."))
        return (low + high) / 2, (high - low) / 2
    value, _, tolerance = text.partition(":")
    return float(value), float(tolerance or 0)


def import_gift(text: str, file: str, skills: frozenset[str], roles: frozenset[str] | None = None,
                default_skills: tuple[str, ...] = ()) -> ImportResult:
    result = ImportResult()
    if len(text.encode()) > MAX_IMPORT_BYTES:
        result.problems.append(Problem(file, None, None, "file is larger than 1 MiB"))
        return result
    raws, taken = [], set()
    for number, directives, block in _blocks(_escape(text.replace("\r\n", "\n"))):
        title_match = re.match(r"^\s*::(.*?)::", block, re.DOTALL)
        title = _unescape(title_match.group(1)) if title_match else ""
        rest = block[title_match.end():] if title_match else block
        label = title or f"question at line {number}"
        if "@@PLUGINFILE@@" in block:
            result.problems.append(Problem(file, label, "stem", GIFT_PICTURE))
            continue
        outside = _IMG_SRC.search(block)
        if outside:
            result.problems.append(Problem(file, label, "stem", OUTSIDE_PICTURE.format(src=outside.group(2)[:80])))
            continue
        if LATEX.search(block):
            result.problems.append(Problem(file, label, "stem", LATEX_PROBLEM))
            continue
        if _CLOZE.search(rest):
            result.problems.append(Problem(file, label, "type", "cloze (embedded answers) questions are not supported"))
            continue
        if "{" in rest and "}" not in rest.split("{", 1)[1]:
            opened = number + rest[:rest.index("{")].count("\n")
            result.problems.append(Problem(file, label, "answer",
                                           f"the answer block opened with {{ on line {opened} is never closed with }}"))
            continue
        if "{" not in rest:
            result.problems.append(Problem(file, label, "type", "description-only text (no answers) is not supported"))
            continue
        before, _, tail = rest.partition("{")
        body, _, after = tail.rpartition("}")
        explanation = ""
        if "####" in body:
            body, explanation = body.split("####", 1)
        try:
            type_name, fields = _parse_body(body)
        except ValueError:
            result.problems.append(Problem(file, label, "answer",
                                           "the numeric answer is not a number (or no answer earns the full mark)"))
            continue
        if type_name is None:
            result.problems.append(Problem(file, label, "type", fields["reason"]))
            continue
        stem = _unescape(before) + (" _____ " + _unescape(after) if _unescape(after) else "")
        stem_html = _formatted(before, after)
        if stem_html:
            stem = rich.plain_text(stem_html)
        by_category = category_skill(directives["category"], skills) if directives["category"] else None
        item_skills = directives.get("skills") or ([by_category] if by_category else list(default_skills))
        base = slug(title, f"gift-{number}") if title else content_id(stem + "\x1f" + body, "question")
        if directives["category"]:
            result.categories[unique_id(base, set(taken))] = directives["category"]
        raws.append({"id": unique_id(base, taken), "type": type_name,
                     "stem": stem.strip(), "skills": item_skills, "roles": directives.get("roles") or ["all"],
                     "explanation": _unescape(explanation), **fields,
                     **({"stem_html": stem_html} if stem_html else {})})
    return validate_raw(raws, file, skills, roles, result)
