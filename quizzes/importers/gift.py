"""Moodle GIFT import: single choice, multiple response (weights), true/false, short answer,
numeric and matching. Essays, descriptions and other types are reported as unsupported.

Skills come from a comment line before the question, `// skills: lead-management, data-quality`
(also `// roles: service agent`), or from the default skills the admin picks for the upload.
"""
from __future__ import annotations

import re
from typing import Any

from quizzes.importers import ImportResult, MAX_IMPORT_BYTES, slug, unique_id, validate_raw
from quizzes.model import Problem

_ESCAPES = {"\\:": "\x00c", "\\~": "\x00t", "\\=": "\x00e", "\\#": "\x00h", "\\{": "\x00o", "\\}": "\x00x", "\\n": "\n"}
_UNESCAPE = {"\x00c": ":", "\x00t": "~", "\x00e": "=", "\x00h": "#", "\x00o": "{", "\x00x": "}"}
_DIRECTIVE = re.compile(r"^//\s*(skills|roles)\s*:\s*(.*)$", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _escape(text: str) -> str:
    for raw, token in _ESCAPES.items():
        text = text.replace(raw, token)
    return text


def _unescape(text: str) -> str:
    for token, char in _UNESCAPE.items():
        text = text.replace(token, char)
    text = re.sub(r"^\[(html|moodle|plain|markdown)\]", "", text.strip())
    return re.sub(r"<[^>]+>", "", text).strip()


def _blocks(text: str):
    """Yield (first line number, directives, question text) for each question."""
    directives: dict[str, list[str]] = {}
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines() + [""], start=1):
        stripped = line.strip()
        match = _DIRECTIVE.match(stripped)
        if match:
            directives[match.group(1).lower()] = [v.strip() for v in match.group(2).split(",") if v.strip()]
            continue
        if stripped.startswith("//") or stripped.startswith("$CATEGORY"):
            continue
        depth = "".join(lines).count("{") - "".join(lines).count("}")
        if not stripped and depth <= 0:
            if lines:
                yield start, directives, "\n".join(lines)
                directives, lines = {}, []
            continue
        if not lines:
            start = number
        lines.append(line)


def _answers(body: str) -> list[tuple[str, str]]:
    """Split an answer block into (marker, text) with per-answer feedback removed."""
    parts = re.split(r"(?=[=~])", body.strip())
    answers = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        marker, text = part[0], part[1:]
        answers.append((marker, text.split("#", 1)[0].strip()))
    return answers


def _parse_body(body: str) -> tuple[str | None, dict[str, Any]]:
    """Return (type, fields) for one answer block, or (None, {reason}) when unsupported."""
    body = body.strip()
    if not body:
        return None, {"reason": "essay questions are not supported"}
    if re.fullmatch(r"(T|TRUE|F|FALSE)(#.*)?", body, re.DOTALL):
        return "true_false", {"answer": body.split("#", 1)[0] in ("T", "TRUE")}
    if body.startswith("#"):
        spec = body[1:].lstrip("=").split("#", 1)[0].strip()
        spec = re.sub(r"^%\d+%", "", spec.split("=")[0].strip())
        if ".." in spec:
            low, high = (float(v) for v in spec.split(".."))
            return "numeric", {"answer": (low + high) / 2, "tolerance": (high - low) / 2}
        value, _, tolerance = spec.partition(":")
        return "numeric", {"answer": float(value), "tolerance": float(tolerance or 0)}
    answers = _answers(body)
    if answers and all("->" in text for _, text in answers):
        return "matching", {"pairs": [{"prompt": _unescape(t.split("->", 1)[0]), "match": _unescape(t.split("->", 1)[1])}
                                      for _, t in answers]}
    if answers and all(marker == "=" for marker, _ in answers):
        return "short_text", {"accept": [_unescape(_WEIGHT.sub("", t)) for _, t in answers]}
    weighted = [(_WEIGHT.match(t), t) for _, t in answers]
    if any(w for w, _ in weighted):
        options = [{"id": chr(97 + i), "text": _unescape(_WEIGHT.sub("", t)),
                    "correct": bool(w) and float(w.group(1)) > 0 or (m == "=")}
                   for i, ((m, _), (w, t)) in enumerate(zip(answers, weighted))]
        return "multiple_response", {"options": options}
    options = [{"id": chr(97 + i), "text": _unescape(t), "correct": m == "="} for i, (m, t) in enumerate(answers)]
    return "single_choice", {"options": options}


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
        if "{" not in rest or "}" not in rest:
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
            result.problems.append(Problem(file, label, "answer", "numeric answer is not a number"))
            continue
        if type_name is None:
            result.problems.append(Problem(file, label, "type", fields["reason"]))
            continue
        stem = _unescape(before) + (" _____ " + _unescape(after) if _unescape(after) else "")
        item_skills = directives.get("skills") or list(default_skills)
        raws.append({"id": unique_id(slug(title or stem[:40], f"gift-{number}"), taken), "type": type_name,
                     "stem": stem.strip(), "skills": item_skills, "roles": directives.get("roles") or ["all"],
                     "explanation": _unescape(explanation), **fields})
    return validate_raw(raws, file, skills, roles, result)
