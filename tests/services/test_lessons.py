"""Lessons a CRM trainer would be proud of: each eLearning lesson teaches with a worked example drawn
from the sandbox itself (annotated, so it cannot drift from what the trainee then practises), names
the common mistakes, does not repeat its title, and states an honest time."""
import re

import pytest

from app.services import lesson_figures, training
from app.services.simulation import scenarios
from app.skills.curriculum import lesson_text


def elearning():
    from app.skills.curriculum import load_modules
    from app.skills.taxonomy import SKILL_SLUGS

    modules, problems = load_modules(SKILL_SLUGS)
    assert not problems
    return [m for m in modules if m.kind == "elearning" and m.lesson]


@pytest.mark.parametrize("module", elearning(), ids=lambda m: m.id)
def test_each_lesson_teaches_with_a_sandbox_figure_and_its_common_mistakes(module, content_loaded):
    text = lesson_text(module)
    first = text.lstrip().splitlines()[0]
    assert not first.startswith("#"), "the page's heading is the module title; the lesson must not repeat it"
    assert len(re.findall(r"\w+", lesson_figures.split_figures(text)[0])) >= 300
    assert "## Common mistakes" in text and "## Worked example" in text
    html = training.render_lesson(module, None)
    assert html.count('<figure class="sandbox-shot"') >= 1 and "SANDBOXFIGURE" not in html
    assert '<span class="callout" aria-hidden="true">1</span>' in html and "<figcaption" in html
    assert "<h1" not in html and "<script" not in html


@pytest.mark.parametrize("module", elearning(), ids=lambda m: m.id)
def test_each_lesson_states_an_honest_time(module, content_loaded):
    read, check = training.time_parts(module, None)
    assert read >= 2 and check >= 3
    assert abs(module.minutes - (read + check)) <= 2, \
        f"{module.id}: the catalogue says {module.minutes} min; reading {read} + check {check} = {read + check}"


def test_a_figure_shows_the_record_as_the_solution_leaves_it_with_changes_marked(app):  # scenarios() reads tailored ones
    figure = lesson_figures.build_figure({"exercise": "advance-opportunity", "record": "deal", "caption": "c",
                                          "notes": {"stage": "why", "next_step": "what next"}}, scenarios())
    rows = {label: (was, now, changed, callout) for label, was, now, changed, callout in figure.rows}
    assert rows["Stage"][1] == "Negotiation" and rows["Stage"][2] and rows["Stage"][3] == 1
    assert rows["Next step"][1] == "Legal contract review" and rows["Next step"][3] == 2
    assert rows["Opportunity name"][2] is False  # unchanged fields are shown, not marked
    html = str(lesson_figures.figure_html(figure, 3))
    assert "Figure 3. c" in html and "<del>" in html and "<ins>Negotiation</ins>" in html


def test_a_figure_about_a_field_the_sandbox_does_not_have_fails_loudly(app):
    with pytest.raises(lesson_figures.FigureError, match="no field colour"):
        lesson_figures.build_figure({"exercise": "advance-opportunity", "record": "deal",
                                     "notes": {"colour": "x"}}, scenarios())
    with pytest.raises(lesson_figures.FigureError, match="no record"):
        lesson_figures.build_figure({"exercise": "advance-opportunity", "record": "nope"}, scenarios())
    with pytest.raises(lesson_figures.FigureError, match="no sandbox exercise"):
        lesson_figures.build_figure({"exercise": "nope"}, scenarios())


def test_figure_text_is_escaped(app):
    figure = lesson_figures.build_figure({"exercise": "advance-opportunity", "record": "deal",
                                          "caption": "<script>alert(1)</script>",
                                          "notes": {"stage": "<img src=x onerror=alert(1)>"}}, scenarios())
    html = str(lesson_figures.figure_html(figure, 1))
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
