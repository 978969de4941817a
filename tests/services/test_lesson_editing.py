"""Lessons rewritten in the browser, without HTTP: the rewrite is what trainees read (through the same
sanitiser), figures that cannot be drawn are refused, reset brings the shipped file back, audited."""
import pytest
from sqlalchemy import select

from app.models import AuditEvent, LessonText
from app.services import lessons
from app.services.errors import ValidationFailed
from app.services.training import get_module, render_lesson, time_parts
from tests.helpers import user_by_email

OURS = "## Our pipeline\n\nIn **our** CRM a deal needs a next step before it moves.\n"


@pytest.fixture
def trainer(content_loaded):
    return user_by_email("trainer@demo.uptake")


def test_a_rewrite_is_what_every_module_using_the_lesson_shows(trainer, db):
    lessons.save(trainer, "el-pipeline", OURS)
    for module_id in ("el-pipeline", "ja-stages"):  # the job aid shares the pipeline lesson's text
        html = render_lesson(get_module(module_id), trainer.organisation_id)
        assert "<h2>Our pipeline</h2>" in html and "<strong>our</strong>" in html
    assert time_parts(get_module("el-pipeline"), trainer.organisation_id)[0] == 1  # a short lesson reads in a minute


def test_a_rewrite_reaches_only_the_organisation_that_wrote_it(trainer, db):
    from tests.helpers import add_other_organisation

    other = add_other_organisation(db)
    shipped = render_lesson(get_module("el-pipeline"), other.id)
    lessons.save(trainer, "el-pipeline", OURS)
    assert render_lesson(get_module("el-pipeline"), other.id) == shipped and "Our pipeline" not in shipped
    assert render_lesson(get_module("el-pipeline"), None) == shipped
    assert lessons.edited("opportunity-pipeline.md", other.id) is None


def test_scripts_and_raw_html_never_reach_trainees(trainer, db):
    lessons.save(trainer, "el-pipeline", OURS + '\n<script>alert(1)</script><img src=x onerror="alert(2)">\n'
                                              '[a link](javascript:alert(3))\n')
    html = render_lesson(get_module("el-pipeline"), trainer.organisation_id)
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html and "<img" not in html


def test_a_figure_that_cannot_be_drawn_is_refused_and_nothing_saved(trainer, db):
    bad = OURS + "\n```sandbox\nexercise: no-such-exercise\nrecord: x\n```\n"
    with pytest.raises(ValidationFailed, match="A sandbox figure cannot be drawn: no sandbox exercise"):
        lessons.save(trainer, "el-pipeline", bad)
    with pytest.raises(ValidationFailed, match="is empty"):
        lessons.save(trainer, "el-pipeline", "  \n ")
    db.session.rollback()
    assert db.session.scalar(select(LessonText)) is None


def test_reset_brings_back_the_shipped_lesson_and_both_are_audited(trainer, db):
    shipped = render_lesson(get_module("el-pipeline"), trainer.organisation_id)
    lessons.save(trainer, "el-pipeline", OURS)
    lessons.reset(trainer, "el-pipeline")
    assert render_lesson(get_module("el-pipeline"), trainer.organisation_id) == shipped
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target == "opportunity-pipeline.md")
                                     .order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["content.lesson_saved", "content.lesson_reset"]
    assert events[0].detail["after"] == OURS.strip() and "## " in events[0].detail["before"]
    assert events[1].actor_id == trainer.id


def test_only_modules_with_a_lesson_can_be_edited(trainer):
    with pytest.raises(lessons.NotFound):
        lessons.save(trainer, "ilt-pipeline", OURS)  # a workshop has no lesson text
    with pytest.raises(lessons.NotFound):
        lessons.save(trainer, "no-such-module", OURS)
