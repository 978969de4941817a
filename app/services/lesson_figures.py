"""Annotated "screenshots" of the sandbox CRM inside lessons, drawn from the sandbox itself.

A lesson marks a figure with a fenced block:

    ```sandbox
    exercise: advance-opportunity
    record: deal
    caption: The deal after the one edit that moves it to Negotiation.
    notes:
      stage: Negotiation: the customer is working on terms.
    ```

`record` names one of the exercise's records by its symbol (or `created: activity` takes the first
record of that kind its solution creates); `notes` lists field → what to notice, numbered in order.

The figure is the record as the exercise's reference solution leaves it, each field as the record
page lists it, changed fields shown "before → after". It is built from the same scenario generator,
action engine and field schema the sandbox runs on, so a lesson's picture cannot drift from the
sandbox the trainee then practises in: rename a field or change the scenario and the figure follows
(or the lesson test fails on a note about a field that no longer exists)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from simulations.scenario import solve, start
from simulations.schema import OBJECTS, field, fields, title_of

BLOCK = re.compile(r"^```sandbox\n(.*?)\n```[ \t]*$", re.S | re.M)
SEED = 7  # one fixed draw of names and amounts, so a lesson reads the same every time it is opened


class FigureError(ValueError):
    """A sandbox figure that cannot be drawn (unknown exercise, record or field)."""


@dataclass(frozen=True)
class Figure:
    obj: str
    title: str
    rows: list[tuple[str, str, str, bool, int | None]]  # label, before, after, changed, callout number
    caption: str
    notes: list[tuple[int, str, str]]  # number, field label, note


def _shown(obj: str, name: str, value, state: dict) -> str:
    f = field(obj, name)
    if value in (None, ""):
        return "—"
    if f is not None and f.kind == "ref":
        target = state["records"].get(f.ref, {}).get(value)
        return title_of(f.ref, target) if target else "—"
    if f is not None and f.kind == "money":
        return f"{value:,.2f}"
    if f is not None and f.kind == "bool":
        return "Yes" if value else "No"
    if f is not None and f.kind == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d %b %Y")
        except ValueError:
            return str(value)
    return str(value)


def build_figure(spec: dict, scenarios: dict, today: date | None = None) -> Figure:
    scenario = scenarios.get(spec.get("exercise"))
    if scenario is None:
        raise FigureError(f"no sandbox exercise {spec.get('exercise')!r}")
    run = start(scenario, SEED, today or date.today())
    before = run.state
    solve(scenario, run)
    after = run.state
    if "record" in spec:
        if spec["record"] not in run.bindings:
            raise FigureError(f"{scenario.id} has no record {spec['record']!r}")
        obj, rid = run.bindings[spec["record"]]
    else:
        obj = spec.get("created")
        made = [r for r in after["records"].get(obj, {}) if r not in before["records"].get(obj, {})]
        if obj not in OBJECTS or not made:
            raise FigureError(f"{scenario.id}: its solution creates no {obj!r}")
        rid = made[0]
    old, new = before["records"].get(obj, {}).get(rid, {}), after["records"][obj][rid]
    notes_spec = spec.get("notes") or {}
    unknown = [name for name in notes_spec if field(obj, name) is None]
    if unknown:
        raise FigureError(f"{OBJECTS[obj]['label']} has no field {', '.join(unknown)}")
    numbers = {name: n for n, name in enumerate(notes_spec, start=1)}
    rows = []
    for f in fields(obj):
        was, now = _shown(obj, f.name, old.get(f.name), before), _shown(obj, f.name, new.get(f.name), after)
        if was == "—" and now == "—" and f.name not in numbers:
            continue  # an empty field says nothing in a picture
        rows.append((f.label, was, now, bool(old) and was != now, numbers.get(f.name)))
    notes = [(numbers[name], field(obj, name).label, str(text)) for name, text in notes_spec.items()]
    return Figure(obj, title_of(obj, new), rows, str(spec.get("caption", "")), notes)


def figure_html(figure: Figure, number: int) -> Markup:
    label = OBJECTS[figure.obj]["label"]
    parts = [f'<figure class="sandbox-shot" aria-labelledby="shot-{number}-cap">',
             f'<div class="shot-frame"><p class="shot-bar">Sandbox CRM · {escape(OBJECTS[figure.obj]["plural"])}</p>',
             f'<p class="shot-title">{escape(figure.title)} <span class="type-label">{escape(label)}</span></p>',
             '<dl class="shot-fields">']
    for text, was, now, changed, callout in figure.rows:
        mark = (f'<span class="callout" aria-hidden="true">{callout}</span>'
                f'<span class="visually-hidden"> (note {callout})</span>') if callout else ""
        value = (f'<del>{escape(was)}</del> <span aria-hidden="true">→</span><span class="visually-hidden"> changed to </span> '
                 f'<ins>{escape(now)}</ins>') if changed else escape(now)
        parts.append(f'<div class="{"shot-row changed" if changed else "shot-row"}"><dt>{mark}{escape(text)}</dt>'
                     f'<dd>{value}</dd></div>')
    parts.append("</dl></div>")
    parts.append(f'<figcaption id="shot-{number}-cap">Figure {number}. {escape(figure.caption)}</figcaption>')
    if figure.notes:
        parts.append('<ol class="shot-notes">' + "".join(
            f'<li value="{n}"><strong>{escape(text)}</strong>: {escape(note)}</li>' for n, text, note in figure.notes)
            + "</ol>")
    parts.append("</figure>")
    return Markup("".join(parts))  # every value above went through escape()  # nosec B704


def parse_spec(block: str) -> dict:
    """`key: value` lines, and under `notes:` indented `field: note` lines. Everything after the
    first ": " is the value, so notes may contain colons (YAML would choke on "Status: Closed: …")."""
    spec: dict = {}
    notes: dict[str, str] | None = None
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.strip().partition(":")
        if not sep:
            raise FigureError(f"a sandbox figure line needs 'name: value': {line.strip()!r}")
        if line[:1] in (" ", "\t") and notes is not None:
            notes[key.strip()] = value.strip()
        elif key.strip() == "notes":
            notes = spec["notes"] = {}
        else:
            notes = None
            spec[key.strip()] = value.strip()
    return spec


def split_figures(markdown_text: str) -> tuple[str, list[dict]]:
    """The lesson with each ```sandbox block replaced by a placeholder paragraph, and the specs."""
    specs: list[dict] = []

    def keep(match: re.Match) -> str:
        specs.append(parse_spec(match.group(1)))
        return f"\n\nSANDBOXFIGURE{len(specs) - 1}\n\n"

    return BLOCK.sub(keep, markdown_text), specs


def placeholder(n: int) -> str:
    return f"<p>SANDBOXFIGURE{n}</p>"
