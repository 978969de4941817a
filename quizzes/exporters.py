"""Export the bank to the formats trainers take elsewhere: Moodle GIFT and Moodle XML.

Each item is written so that importing the file again (`quizzes.importers`) gives the same item:
same type, stem, options and their shares of the mark, answers, skills and explanation, so every
answer grades the same. What a format cannot hold is reported, never written half: GIFT has no
ordering questions, and neither format has Uptake's regular-expression answers.
"""
from __future__ import annotations

import base64
import html
from typing import Mapping

from quizzes import rich
from quizzes.model import Item, Problem

_GIFT_SPECIAL = "\\~=#{}:"


def _gift(text: str) -> str:
    """GIFT text with its special characters escaped and line breaks kept as `\\n`."""
    out = "".join("\\" + c if c in _GIFT_SPECIAL else c for c in text)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _percent(weight: float) -> str:
    return f"{weight * 100:.5f}".rstrip("0").rstrip(".")


def _weight(option: dict) -> float:
    return option.get("weight", 1.0 if option["correct"] else 0.0)


def _shares(item: Item) -> list[float]:
    """Each option's Moodle fraction. Uptake's unweighted multiple response (each right pick earns
    1/right, each wrong pick costs 1/wrong) is exactly those fractions, so it grades the same."""
    options = item.data["options"]
    if item.type == "multiple_response" and not any("weight" in o for o in options):
        right = sum(o["correct"] for o in options)
        wrong = len(options) - right
        return [1 / right if o["correct"] else -1 / wrong for o in options]
    return [_weight(o) for o in options]


def _matches(item: Item) -> tuple[list[tuple[str, str]], list[str]]:
    texts = {c["id"]: c["text"] for c in item.data["choices"]}
    pairs = [(p["prompt"], texts[p["match"]]) for p in item.data["pairs"]]
    used = {p["match"] for p in item.data["pairs"]}
    return pairs, [c["text"] for c in item.data["choices"] if c["id"] not in used]


def _unexportable(item: Item, fmt: str) -> str | None:
    if item.type == "short_text" and item.data.get("patterns"):
        return f"answers by regular expression have no {fmt} equivalent"
    if item.type == "short_text" and item.data.get("case_sensitive") and fmt == "GIFT":
        return "GIFT cannot say that case matters in the answer (export it as Moodle XML)"
    if item.type == "ordering" and fmt == "GIFT":
        return "GIFT has no ordering questions (export it as Moodle XML)"
    if fmt == "GIFT" and rich.asset_refs(item.data.get("stem_html", "")):
        return "it shows a picture, which a GIFT file cannot carry (export it as Moodle XML)"
    return None


def _gift_stem(item: Item) -> str:
    formatted = item.data.get("stem_html")
    return "[html]" + _gift(formatted) if formatted else _gift(item.stem)


def _gift_answers(item: Item) -> str:
    data = item.data
    if item.type == "true_false":
        said = "TRUE" if data["answer"] else "FALSE"
        notes = data.get("feedback", {})
        right, wrong = ("true", "false") if data["answer"] else ("false", "true")
        return said + (f"#{_gift(notes.get(wrong, ''))}#{_gift(notes.get(right, ''))}" if notes else "")
    if item.type == "numeric":
        if not data.get("partial"):
            return f"#{data['answer']:g}:{data['tolerance']:g}"
        near = [f"=%{_percent(e['weight'])}%{e['answer']:g}:{e['tolerance']:g}" for e in data["partial"]]
        return " ".join([f"#={data['answer']:g}:{data['tolerance']:g}", *near])
    if item.type == "short_text":
        full = [f"={_gift(a)}" for a in data["accept"]]
        return " ".join(full + [f"=%{_percent(e['weight'])}%{_gift(e['answer'])}" for e in data.get("partial", ())])
    if item.type == "matching":
        pairs, distractors = _matches(item)
        return " ".join([f"={_gift(p)} -> {_gift(m)}" for p, m in pairs] + [f"= -> {_gift(d)}" for d in distractors])
    single = item.type == "single_choice"
    parts = []
    for option, weight in zip(data["options"], _shares(item)):
        note = f"#{_gift(option['feedback'])}" if option.get("feedback") else ""
        if single and weight == 1:
            parts.append(f"={_gift(option['text'])}{note}")
        elif weight == 0 and single:
            parts.append(f"~{_gift(option['text'])}{note}")
        else:
            parts.append(f"~%{_percent(weight)}%{_gift(option['text'])}{note}")
    return " ".join(parts)


def to_gift(items: list[Item]) -> tuple[str, list[Problem]]:
    """The items as one GIFT file (each with its skills directive and explanation) and what was left out."""
    blocks, problems = [], []
    for item in items:
        reason = _unexportable(item, "GIFT")
        if reason:
            problems.append(Problem("export.gift", item.id, "type", reason))
            continue
        explanation = f" ####{_gift(item.explanation)}" if item.explanation else ""
        roles = "" if list(item.roles) == ["all"] else f"// roles: {', '.join(item.roles)}\n"
        blocks.append(f"// skills: {', '.join(item.skills)}\n{roles}"
                      f"::{_gift(item.id)}::{_gift_stem(item)} {{{_gift_answers(item)}{explanation}}}\n")
    return "\n".join(blocks), problems


def _x(text: str) -> str:
    """Text for an XML element: &, < and > escaped (quotes need none outside attributes)."""
    return html.escape(text, quote=False)


def _xml_answer(fraction: float | str, text: str, extra: str = "") -> str:
    return f'    <answer fraction="{fraction}" format="plain_text"><text>{_x(text)}</text>{extra}</answer>\n'


def _xml_body(item: Item) -> tuple[str, str]:
    data = item.data
    if item.type in ("single_choice", "multiple_response"):
        single = "true" if item.type == "single_choice" else "false"
        answers = "".join(_xml_answer(_percent(w), o["text"], f'<feedback format="plain_text"><text>{_x(o["feedback"])}'
                                                              "</text></feedback>" if o.get("feedback") else "")
                          for o, w in zip(data["options"], _shares(item)))
        return "multichoice", f"    <single>{single}</single>\n    <shuffleanswers>1</shuffleanswers>\n{answers}"
    if item.type == "true_false":
        notes = data.get("feedback", {})

        def note(said: str) -> str:
            return f'<feedback format="plain_text"><text>{_x(notes[said])}</text></feedback>' if notes.get(said) else ""
        return "truefalse", (_xml_answer(100 if data["answer"] else 0, "true", note("true"))
                             + _xml_answer(0 if data["answer"] else 100, "false", note("false")))
    if item.type == "numeric":
        answers = [(100, data["answer"], data["tolerance"])]
        answers += [(_percent(e["weight"]), e["answer"], e["tolerance"]) for e in data.get("partial", ())]
        return "numerical", "".join(_xml_answer(f, f"{value:g}", f"<tolerance>{margin:g}</tolerance>")
                                    for f, value, margin in answers)
    if item.type == "short_text":
        answers = [_xml_answer(100, a) for a in data["accept"]]
        answers += [_xml_answer(_percent(e["weight"]), e["answer"]) for e in data.get("partial", ())]
        return "shortanswer", f"    <usecase>{int(bool(data.get('case_sensitive')))}</usecase>\n" + "".join(answers)
    if item.type == "matching":
        pairs, distractors = _matches(item)
        subs = "".join(f'    <subquestion format="plain_text"><text>{_x(p)}</text><answer><text>{_x(m)}</text></answer>'
                       f"</subquestion>\n" for p, m in pairs)
        subs += "".join(f'    <subquestion format="plain_text"><text></text><answer><text>{_x(d)}</text></answer>'
                        f"</subquestion>\n" for d in distractors)
        return "matching", "    <shuffleanswers>1</shuffleanswers>\n" + subs
    if item.type == "ordering":  # the qtype_ordering plugin: answers in the right order, fraction = position
        return "ordering", "".join(_xml_answer(n, s["text"]) for n, s in enumerate(data["sequence"], start=1))
    raise ValueError(f"unknown item type {item.type}")


def _xml_stem(item: Item, assets: Mapping[str, rich.Asset]) -> str:
    """The question text: plain, or its formatted text with each picture inside the file (Moodle's
    `@@PLUGINFILE@@` link and a base64 `<file>`)."""
    formatted = item.data.get("stem_html")
    if not formatted:
        return f'    <questiontext format="plain_text"><text>{_x(item.stem)}</text></questiontext>\n'
    files = ""
    for sha in rich.asset_refs(formatted):
        asset = assets[sha]
        formatted = formatted.replace(f'src="asset:{sha}"', f'src="@@PLUGINFILE@@/{asset.file_name}"')
        files += (f'      <file name="{asset.file_name}" path="/" encoding="base64">'
                  f"{base64.b64encode(asset.data).decode()}</file>\n")
    return f'    <questiontext format="html"><text>{_x(formatted)}</text>\n{files}    </questiontext>\n'


def to_moodle_xml(items: list[Item], assets: Mapping[str, rich.Asset] | None = None) -> tuple[str, list[Problem]]:
    """The items as a Moodle XML quiz file (skills as `skill:` tags, pictures inside) and what was left out."""
    out, problems, assets = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'], [], assets or {}
    for item in items:
        reason = _unexportable(item, "Moodle XML")
        lost = [sha for sha in rich.asset_refs(item.data.get("stem_html", "")) if sha not in assets]
        if lost and not reason:
            reason = f"its picture {lost[0][:12]}… is missing from the bank"
        if reason:
            problems.append(Problem("export.xml", item.id, "type", reason))
            continue
        qtype, body = _xml_body(item)
        tags = "".join(f"      <tag><text>skill:{_x(s)}</text></tag>\n" for s in item.skills)
        tags += "".join(f"      <tag><text>role:{_x(r)}</text></tag>\n" for r in item.roles if r != "all")
        out.append(f'  <question type="{qtype}">\n    <name><text>{_x(item.id)}</text></name>\n'
                   f"{_xml_stem(item, assets)}"
                   f'    <generalfeedback format="plain_text"><text>{_x(item.explanation)}</text></generalfeedback>\n'
                   f"{body}    <tags>\n{tags}    </tags>\n  </question>\n")
    out.append("</quiz>\n")
    return "".join(out), problems
