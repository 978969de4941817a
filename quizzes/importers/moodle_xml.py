"""Moodle XML import: multichoice (single and multiple), truefalse, shortanswer, numerical,
matching and ordering. Other question types are reported as unsupported.

Skills come from question tags (`skill:lead-management` or a bare skill slug) or the upload's
default skills. Documents with a DOCTYPE or entity declarations are refused outright: Moodle
never writes them, and they are how XML entity-expansion attacks work.
"""
from __future__ import annotations

import base64
import binascii
import html
import re
from urllib.parse import unquote
import xml.etree.ElementTree as ET  # only for the Element type; parsing uses defusedxml  # nosec B405
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from quizzes import rich
from quizzes.importers import (LATEX, LATEX_PROBLEM, MAX_XML_BYTES, OUTSIDE_PICTURE, ImportResult, category_skill, content_id,
                               slug, unique_id, validate_raw)
from quizzes.model import Problem

_TAGS = re.compile(r"<[^>]+>")
_PLUGINFILE = re.compile(r"""src=(["'])@@PLUGINFILE@@/([^"']+)\1""")
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_PICTURE = re.compile(r"@@PLUGINFILE@@|<img\b", re.IGNORECASE)


def _text(node: ET.Element | None, path: str = "text") -> str:
    if node is None:
        return ""
    found = node.find(path) if path else node
    raw = (found.text or "") if found is not None else ""
    return " ".join(html.unescape(_TAGS.sub(" ", raw)).split())


def _picture(data_b64: str, name: str) -> tuple[rich.Asset | None, str | None]:
    try:
        data = base64.b64decode("".join(data_b64.split()), validate=True)
    except (binascii.Error, ValueError):
        return None, f"the picture {name!r} is not valid base64"
    return rich.make_asset(data, name)


def _stem_html(question: ET.Element, result: ImportResult) -> tuple[str | None, str | None]:
    """The question text as sanitised HTML with its pictures as assets (None when it is plain text),
    or why it cannot be imported. Pictures come from the text's `<file>` elements (`@@PLUGINFILE@@`
    links) or Moodle's older `<image_base64>`."""
    node = question.find("questiontext")
    if node is None:
        return None, None
    markup = node.findtext("text") or ""
    files: dict[str, rich.Asset] = {}
    for element in node.findall("file"):
        name = element.get("name", "")
        asset, why = _picture(element.text or "", name or "unnamed")
        if why:
            return None, why
        files[name] = asset
    old = question.findtext("image_base64")
    if old and old.strip():
        asset, why = _picture(old, question.findtext("image") or "image")
        if why:
            return None, why
        markup += f'<p><img src="asset:{asset.sha256}" alt=""></p>'
        files[asset.sha256] = asset
    missing: list[str] = []

    def swap(match: re.Match) -> str:
        name = unquote(match.group(2))
        asset = files.get(name)
        if asset is None:
            missing.append(name)
            return match.group(0)
        return f'src="asset:{asset.sha256}"'
    markup = _PLUGINFILE.sub(swap, markup)
    if missing:
        return None, f"shows the picture {missing[0]!r}, which is not in the file"
    outside = next((m.group(2) for m in _IMG_SRC.finditer(markup) if not m.group(2).startswith("asset:")), None)
    if outside:
        return None, OUTSIDE_PICTURE.format(src=outside[:80])
    if node.get("format", "html") not in ("html", "moodle_auto_format") and not files:
        return None, None
    clean = rich.sanitise(markup)
    if not rich.has_formatting(clean):
        return None, None
    used = set(rich.asset_refs(clean))
    result.assets.update({a.sha256: a for a in files.values() if a.sha256 in used})
    return clean, None


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def _fields(qtype: str, question: ET.Element) -> tuple[str | None, dict[str, Any]]:
    answers = question.findall("answer")
    if qtype == "multichoice":
        single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
        options = [{"id": chr(97 + i), "text": _text(a), "correct": _fraction(a) > 0,
                    "weight": round(_fraction(a) / 100, 5),
                    **({"feedback": _text(a.find("feedback"))} if _text(a.find("feedback")) else {})}
                   for i, a in enumerate(answers)]
        if all(o["weight"] in (0.0, 1.0) for o in options) and (not single or sum(o["correct"] for o in options) == 1):
            for o in options:
                del o["weight"]  # plain right/wrong
        return ("single_choice" if single else "multiple_response"), {"options": options}
    if qtype == "truefalse":
        right = next((_text(a).lower() for a in answers if _fraction(a) >= 100), "true")
        notes = {_text(a).lower(): _text(a.find("feedback")) for a in answers
                 if _text(a).lower() in ("true", "false") and _text(a.find("feedback"))}
        return "true_false", {"answer": right == "true", **({"feedback": notes} if notes else {})}
    if qtype == "shortanswer":  # answers below 100 % earn their share; `*` is Moodle's wildcard
        accept = [_text(a) for a in answers if _fraction(a) >= 100 and "*" not in _text(a)]
        partial = [{"answer": _text(a), "weight": min(_fraction(a) / 100, 1.0)} for a in answers
                   if 0 < _fraction(a) and (_fraction(a) < 100 or "*" in _text(a))]
        case = (question.findtext("usecase") or "0").strip() == "1"
        return "short_text", {"accept": accept, **({"partial": partial} if partial else {}),
                              **({"case_sensitive": True} if case else {})}
    if qtype == "numerical":
        best = next((a for a in answers if _fraction(a) >= 100), answers[0] if answers else None)
        if best is None:
            return "numeric", {}
        partial = [{"answer": _text(a), "tolerance": float(a.findtext("tolerance") or 0), "weight": _fraction(a) / 100}
                   for a in answers if 0 < _fraction(a) < 100]  # nearer misses earn their share
        return "numeric", {"answer": _text(best), "tolerance": float(best.findtext("tolerance") or 0),
                           **({"partial": partial} if partial else {})}
    if qtype == "matching":
        pairs = [{"prompt": _text(s), "match": _text(s.find("answer"), "text")}
                 for s in question.findall("subquestion")]
        return "matching", {"pairs": [p for p in pairs if p["prompt"]],
                            "distractors": [p["match"] for p in pairs if not p["prompt"] and p["match"]]}
    if qtype == "ordering":
        ordered = sorted(answers, key=_fraction)
        return "ordering", {"sequence": [_text(a) for a in ordered]}
    return None, {}


def import_moodle_xml(data: bytes | str, file: str, skills: frozenset[str], roles: frozenset[str] | None = None,
                      default_skills: tuple[str, ...] = ()) -> ImportResult:
    result = ImportResult()
    raw_bytes = data.encode() if isinstance(data, str) else data
    if len(raw_bytes) > MAX_XML_BYTES:
        result.problems.append(Problem(file, None, None, f"file is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB"))
        return result
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw_bytes, re.IGNORECASE):
        result.problems.append(Problem(file, None, None, "DOCTYPE and ENTITY declarations are not allowed"))
        return result
    try:
        root = safe_fromstring(raw_bytes, forbid_dtd=True)
    except DefusedXmlException:
        result.problems.append(Problem(file, None, None, "DOCTYPE and ENTITY declarations are not allowed"))
        return result
    except ET.ParseError as exc:
        result.problems.append(Problem(file, None, None, f"is not well-formed XML ({exc})"))
        return result
    if root.tag != "quiz":
        result.problems.append(Problem(file, None, None, "is not a Moodle XML export (root element must be <quiz>)"))
        return result
    raws, taken, category = [], set(), ""
    for index, question in enumerate(root.findall("question"), start=1):
        qtype = question.get("type", "")
        if qtype == "category":  # files the questions after it, until the next category
            category = _text(question.find("category"))
            continue
        given_name = _text(question.find("name"))
        name = given_name or f"question {index}"
        markup = ET.tostring(question, encoding="unicode")
        beside = [e for e in question if e.tag not in ("questiontext", "image", "image_base64", "name")]
        if any(e.find(".//file") is not None or _PICTURE.search("".join(e.itertext())) for e in beside):
            result.problems.append(Problem(file, name, "answer", "an answer or feedback shows a picture, which Uptake "
                                           "cannot import yet (only the question text may show pictures)"))
            continue
        stem_html, why = _stem_html(question, result)
        if why:
            result.problems.append(Problem(file, name, "stem", why))
            continue
        if LATEX.search(markup):
            result.problems.append(Problem(file, name, "stem", LATEX_PROBLEM))
            continue
        type_name, fields = _fields(qtype, question)
        if type_name is None:
            result.problems.append(Problem(file, name, "type", f"Moodle question type {qtype!r} is not supported"))
            continue
        tags = [_text(t) for t in question.findall("tags/tag")]
        # an explicit `skill:` tag is kept even when unknown, so the check reports it (never a silent default)
        explicit = [t.split(":", 1)[1].strip() for t in tags if t.startswith("skill:")]
        by_category = category_skill(category, skills) if category else None
        item_skills = explicit or [t for t in tags if t in skills] or ([by_category] if by_category else
                                                                         list(default_skills))
        base = slug(given_name, f"moodle-{index}") if given_name else content_id(
            ET.tostring(question, encoding="unicode"), "question")
        if category:
            result.categories[unique_id(base, set(taken))] = category
        raws.append({"id": unique_id(base, taken), "type": type_name,
                     "stem": rich.plain_text(stem_html) if stem_html else _text(question.find("questiontext")),
                     "skills": item_skills,
                     "roles": [t.split(":", 1)[1].strip() for t in tags if t.startswith("role:")] or ["all"],
                     "explanation": _text(question.find("generalfeedback")), **fields,
                     **({"stem_html": stem_html} if stem_html else {})})
    if not raws and not result.problems:
        result.problems.append(Problem(file, None, None, "contains no questions"))
    return validate_raw(raws, file, skills, roles, result)
