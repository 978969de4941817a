"""GIFT and Moodle XML imports: supported types come in validated; the rest is reported."""
from quizzes.importers.gift import import_gift
from quizzes.importers.moodle_xml import import_moodle_xml
from quizzes.registry import grade
from tests.quizzes.helpers import SKILLS

GIFT = r"""
// A trainer's existing file
$CATEGORY: CRM/Leads

// skills: lead-management
::Lead status::Which status means nobody has called the lead yet? {
  =New #right
  ~Working
  ~Nurture
  ####A new lead has not been contacted.
}

// skills: data-quality
::Duplicates TF::Merging keeps the activities of both records.{T}

::Pick all::Which fields help duplicate matching? {
  ~%50%Email
  ~%50%Phone
  ~%-100%Favourite colour
}

::Task word::A to-do item with a due date is a {=task =to-do}.

::Win rate::18 won and 27 lost deals: win rate in percent? {#40:0.5}

::Stages::Match the situation to the stage. {
  =Proposal sent -> Proposal
  =Contract review -> Negotiation
}

::Essay::Describe your ideal CRM. {}

::Escaped::Ratio 1\:2 uses a colon \{not a brace\}? {T}
"""


def test_gift_supported_types_import_with_skills():
    result = import_gift(GIFT, "trainer.gift", SKILLS, default_skills=("lead-management",))
    by_id = {i.id: i for i in result.items}
    assert set(by_id) == {"lead-status", "duplicates-tf", "pick-all", "task-word", "win-rate", "stages", "escaped"}
    assert by_id["lead-status"].type == "single_choice" and by_id["lead-status"].explanation.startswith("A new lead")
    assert by_id["duplicates-tf"].skills == ("data-quality",)
    assert by_id["pick-all"].type == "multiple_response"
    assert grade(by_id["pick-all"], ["a", "b"]).score == 1.0
    assert grade(by_id["task-word"], "To-Do").score == 1.0
    assert grade(by_id["win-rate"], "40.4").score == 1.0
    assert by_id["stages"].type == "matching"
    assert by_id["escaped"].stem == "Ratio 1:2 uses a colon {not a brace}?"
    assert by_id["task-word"].stem == "A to-do item with a due date is a _____ ."
    assert [p.item_id for p in result.problems] == ["Essay"]
    assert "essay questions are not supported" in result.problems[0].message


def test_gift_without_skills_is_reported_not_dropped():
    result = import_gift("::Q::Is this true?{T}", "x.gift", SKILLS)
    assert not result.items and result.problems[0].field == "skills"


MOODLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/CRM</text></category></question>
  <question type="multichoice">
    <name><text>Close date slipped</text></name>
    <questiontext format="html"><text><![CDATA[<p>The customer moved the decision to <b>September</b>. What do you update?</p>]]></text></questiontext>
    <generalfeedback format="html"><text>The close date drives the forecast.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>The close date</text></answer>
    <answer fraction="0"><text>The account name</text></answer>
    <answer fraction="0"><text>Nothing</text></answer>
    <tags><tag><text>skill:opportunity-pipeline</text></tag></tags>
  </question>
  <question type="truefalse">
    <name><text>Opt-out</text></name>
    <questiontext><text>Opted-out contacts may get campaign email.</text></questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
  </question>
  <question type="numerical">
    <name><text>SLA minutes</text></name>
    <questiontext><text>Minutes left?</text></questiontext>
    <answer fraction="100"><text>90</text><tolerance>0</tolerance></answer>
    <tags><tag><text>case-management</text></tag></tags>
  </question>
  <question type="ordering">
    <name><text>Case steps</text></name>
    <questiontext><text>Order the steps.</text></questiontext>
    <answer fraction="1"><text>Check for duplicates</text></answer>
    <answer fraction="3"><text>Reply</text></answer>
    <answer fraction="2"><text>Triage</text></answer>
    <tags><tag><text>case-management</text></tag></tags>
  </question>
  <question type="essay"><name><text>Essay</text></name><questiontext><text>Write.</text></questiontext></question>
</quiz>"""


def test_moodle_xml_imports_and_reports_unsupported():
    result = import_moodle_xml(MOODLE, "course.xml", SKILLS, default_skills=("data-quality",))
    by_id = {i.id: i for i in result.items}
    assert set(by_id) == {"close-date-slipped", "opt-out", "sla-minutes", "case-steps"}
    assert by_id["close-date-slipped"].stem == "The customer moved the decision to September . What do you update?"
    assert by_id["close-date-slipped"].skills == ("opportunity-pipeline",)
    assert by_id["opt-out"].skills == ("data-quality",) and grade(by_id["opt-out"], False).score == 1.0
    assert grade(by_id["sla-minutes"], 90).score == 1.0
    steps = [s["text"] for s in by_id["case-steps"].data["sequence"]]
    assert steps == ["Check for duplicates", "Triage", "Reply"]
    assert [(p.item_id, p.field) for p in result.problems] == [("Essay", "type")]


def test_moodle_xml_refuses_entity_expansion_and_garbage():
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><quiz>&lol2;</quiz>'
    assert "DOCTYPE" in import_moodle_xml(bomb, "bomb.xml", SKILLS).problems[0].message
    assert "not well-formed" in import_moodle_xml(b"<quiz><question>", "bad.xml", SKILLS).problems[0].message
    assert "root element" in import_moodle_xml(b"<html/>", "page.xml", SKILLS).problems[0].message
    assert "larger than" in import_moodle_xml(b"<quiz>" + b" " * (1024 * 1024 + 1), "big.xml", SKILLS).problems[0].message
