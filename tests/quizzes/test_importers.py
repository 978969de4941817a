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
    assert by_id["close-date-slipped"].stem == "The customer moved the decision to September. What do you update?"
    assert by_id["close-date-slipped"].data["stem_html"] == ("<p>The customer moved the decision to <b>September</b>. "
                                                            "What do you update?</p>")
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
    assert "larger than 16 MiB" in import_moodle_xml(b"<quiz>" + b" " * (16 * 1024 * 1024), "big.xml",
                                                     SKILLS).problems[0].message


# --- Moodle's own rules: weights, wildcards, braces and angle brackets (issue #14) -------------------------------
def _one(text):
    result = import_gift(text, "t.gift", SKILLS, default_skills=("data-quality",))
    assert len(result.items) == 1, result.problems
    return result.items[0]


def _option(item, text):
    return next(o["id"] for o in item.data["options"] if o["text"] == text)


def test_gift_partial_credit_on_a_single_choice_grades_as_moodle_does():
    item = _one("Capital of Australia? {=Canberra ~%50%Sydney ~Perth}")
    assert item.type == "single_choice"  # one answer, not checkboxes
    assert grade(item, _option(item, "Canberra")).score == 1.0
    assert grade(item, _option(item, "Sydney")).score == 0.5
    assert grade(item, _option(item, "Perth")).score == 0.0


def test_gift_a_penalty_keeps_a_single_choice_single_and_never_scores_below_zero():
    item = _one("Which stage comes first? {=Prospecting ~%-25%Closed won ~Negotiation}")
    assert item.type == "single_choice"
    assert grade(item, _option(item, "Closed won")).score == 0.0


def test_gift_weighted_checkboxes_add_up_their_weights():
    item = _one("Which help matching? {~%50%Email ~%50%Phone ~%-100%Favourite colour}")
    assert item.type == "multiple_response"
    email, phone, colour = (_option(item, t) for t in ("Email", "Phone", "Favourite colour"))
    assert grade(item, [email]).score == 0.5 and grade(item, [email, phone]).score == 1.0
    assert grade(item, [email, phone, colour]).score == 0.0


def test_gift_two_option_multiple_choice_is_accepted():
    item = _one("Is a lead a person or an account? {=a person ~an account}")
    assert item.type == "single_choice" and len(item.data["options"]) == 2


def test_gift_short_answer_weights_and_wildcards():
    item = _one("Which planet has rings? {=Saturn =%50%Jupiter =%0%*}")
    assert grade(item, "saturn").score == 1.0 and grade(item, "Jupiter").score == 0.5
    assert grade(item, "Mars").score == 0.0  # a 0 % catch-all earns nothing (Moodle uses it for feedback)
    starred = _one("Name the record that holds a deal. {=%100%opp*}")
    assert grade(starred, "Opportunity").score == 1.0 and grade(starred, "lead").score == 0.0


def test_gift_an_unclosed_brace_costs_one_question_and_says_where():
    text = ("::One::First question {=a ~b ~c}\n\n::Two::Broken question {=a ~b ~c\n\n"
            "::Three::Third question {=a ~b ~c}\n\n::Four::Fourth question {T}\n")
    result = import_gift(text, "t.gift", SKILLS, default_skills=("data-quality",))
    assert [i.stem for i in result.items] == ["First question", "Third question", "Fourth question"]
    (problem,) = result.problems
    assert problem.item_id == "Two" and "opened with { on line 3 is never closed" in problem.message


def test_gift_a_bad_brace_at_the_top_of_a_large_file_loses_nothing_after_it():
    # one pass over the lines (it used to re-join the whole question for every line: minutes for 1 MiB)
    text = "::Bad::Broken {=a ~b\n\n" + "".join(f"::Q{n}::Question {n} {{=yes ~no ~maybe}}\n\n" for n in range(20000))
    text = text[:text.rindex("\n\n", 0, 1024 * 1024 - 100)]
    result = import_gift(text, "big.gift", SKILLS, default_skills=("data-quality",))
    assert len(result.items) == text.count("::Question") > 10000 and len(result.problems) == 1


def test_gift_keeps_angle_brackets_that_are_not_html_and_strips_tags_that_are():
    item = _one("Is 2 < 3 and 5 > 4? {T}")
    assert item.stem == "Is 2 < 3 and 5 > 4?"
    tagged = _one("[html]<p>Which <b>stage</b> is &quot;Closed won&quot;?</p> {=the last ~the first ~none}")
    assert tagged.stem == 'Which stage is "Closed won"?'


def test_gift_numerical_with_several_answers_on_several_lines_takes_the_full_mark_one():
    item = _one("Win rate of 18 won, 27 lost, in percent? {#\n=%50%45:1\n=40:0.5\n}")
    assert item.type == "numeric" and item.data["answer"] == 40.0 and item.data["tolerance"] == 0.5


def test_gift_cloze_is_named_as_unsupported():
    result = import_gift("The {1:MULTICHOICE:=lead~account} comes first.", "t.gift", SKILLS,
                         default_skills=("data-quality",))
    assert not result.items and "cloze (embedded answers) questions are not supported" in result.problems[0].message


MOODLE_WEIGHTS = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice"><name><text>Capital</text></name>
    <questiontext format="html"><text><![CDATA[<p>Capital of Australia?</p>]]></text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>Canberra</text></answer>
    <answer fraction="50"><text>Sydney</text></answer>
    <answer fraction="0"><text>Perth</text></answer>
  </question>
  <question type="multichoice"><name><text>Matching fields</text></name>
    <questiontext format="html"><text>Which fields help duplicate matching?</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>Email</text></answer>
    <answer fraction="50"><text>Phone</text></answer>
    <answer fraction="-100"><text>Favourite colour</text></answer>
  </question>
  <question type="shortanswer"><name><text>Planet</text></name>
    <questiontext format="html"><text>Which planet has rings?</text></questiontext>
    <usecase>0</usecase>
    <answer fraction="100"><text>Saturn</text></answer>
    <answer fraction="50"><text>Jupiter</text></answer>
    <answer fraction="0"><text>*</text></answer>
  </question>
</quiz>"""


def test_moodle_xml_fractions_grade_as_in_moodle():
    result = import_moodle_xml(MOODLE_WEIGHTS, "w.xml", SKILLS, default_skills=("data-quality",))
    assert not result.problems, result.problems
    capital, fields, planet = result.items
    assert capital.type == "single_choice" and grade(capital, _option(capital, "Sydney")).score == 0.5
    assert grade(capital, _option(capital, "Canberra")).score == 1.0
    email, phone, colour = (_option(fields, t) for t in ("Email", "Phone", "Favourite colour"))
    assert grade(fields, [email]).score == 0.5 and grade(fields, [email, phone, colour]).score == 0.0
    assert grade(planet, "Jupiter").score == 0.5 and grade(planet, "saturn").score == 1.0
    assert grade(planet, "Mars").score == 0.0  # the 0 % catch-all is feedback only


def test_moodle_xml_reports_an_unknown_skill_tag_instead_of_defaulting():
    xml = MOODLE_WEIGHTS.replace("<single>true</single>", "<single>true</single><tags><tag><text>skill:pipline</text></tag></tags>", 1)
    result = import_moodle_xml(xml, "w.xml", SKILLS, default_skills=("data-quality",))
    assert [i.stem for i in result.items] == ["Which fields help duplicate matching?", "Which planet has rings?"]
    assert any("pipline" in p.message for p in result.problems)


def test_gift_matching_with_a_distractor():
    item = _one("Match the record to what it holds. {=Lead -> an unqualified person =Case -> a customer problem "
                "= -> an invoice}")
    assert item.type == "matching" and len(item.data["pairs"]) == 2
    assert "an invoice" in [c["text"] for c in item.data["choices"]]  # offered, and matches no prompt
    assert len(item.data["choices"]) == 3


def test_a_gift_question_with_a_picture_is_reported_for_the_format_cannot_carry_it():
    gift = import_gift('::Logo::Which CRM has this logo? <img src="@@PLUGINFILE@@/logo.png"> {=Ours ~Theirs}\n\n'
                       "::Plain::Plain question {T}", "t.gift", SKILLS, default_skills=("data-quality",))
    assert [i.stem for i in gift.items] == ["Plain question"]
    assert "a GIFT file cannot carry" in gift.problems[0].message and "Moodle XML" in gift.problems[0].message


def test_per_answer_feedback_is_kept_and_exports_back():
    from quizzes.exporters import to_gift, to_moodle_xml

    item = _one("Which stage comes first? {=Prospecting#Yes: you qualify before you propose. "
                "~Negotiation#Not yet: there is nothing to negotiate. ~Closed won}")
    feedback = {o["text"]: o.get("feedback") for o in item.data["options"]}
    assert feedback == {"Prospecting": "Yes: you qualify before you propose.",
                        "Negotiation": "Not yet: there is nothing to negotiate.", "Closed won": None}
    gift, _ = to_gift([item])
    xml, _ = to_moodle_xml([item])
    for back in (import_gift(gift, "b.gift", SKILLS), import_moodle_xml(xml, "b.xml", SKILLS)):
        assert {o["text"]: o.get("feedback") for o in back.items[0].data["options"]} == feedback


def test_an_untitled_question_added_at_the_top_renames_no_other_question():
    body = "".join(f"Which of the following statements about duplicate rules is true, case {n}? {{=yes ~no}}\n\n"
                   for n in range(6))
    before = import_gift(body, "t.gift", SKILLS, default_skills=("data-quality",))
    after = import_gift("Which of the following statements about duplicate rules is new? {T}\n\n" + body, "t.gift",
                        SKILLS, default_skills=("data-quality",))
    assert {i.id: i.stem for i in before.items}.items() <= {i.id: i.stem for i in after.items}.items()
    assert len(after.items) == 7


def test_a_category_that_names_a_skill_files_its_questions_under_it():
    text = ("$CATEGORY: $course$/CRM/Lead management\n\n::Q1::A lead first? {T}\n\n"
            "$CATEGORY: $course$/CRM/Odds and ends\n\n::Q2::Anything? {T}\n")
    result = import_gift(text, "t.gift", SKILLS, default_skills=("data-quality",))
    assert [(i.id, i.skills) for i in result.items] == [("q1", ("lead-management",)), ("q2", ("data-quality",))]
    assert result.categories == {"q1": "$course$/CRM/Lead management", "q2": "$course$/CRM/Odds and ends"}
    xml = MOODLE_WEIGHTS.replace("<quiz>", '<quiz><question type="category"><category><text>$course$/Top/Data quality'
                                           "</text></category></question>", 1)
    back = import_moodle_xml(xml, "w.xml", SKILLS, default_skills=("lead-management",))
    assert all(i.skills == ("data-quality",) for i in back.items)
    assert set(back.categories.values()) == {"$course$/Top/Data quality"}


def test_moodle_usecase_makes_case_matter_and_gift_export_says_it_cannot():
    from quizzes.exporters import to_gift, to_moodle_xml

    xml = MOODLE_WEIGHTS.replace("<usecase>0</usecase>", "<usecase>1</usecase>")
    planet = import_moodle_xml(xml, "w.xml", SKILLS, default_skills=("data-quality",)).items[2]
    assert grade(planet, "Saturn").score == 1.0 and grade(planet, "saturn").score == 0.0
    assert grade(planet, "Jupiter").score == 0.5 and grade(planet, "jupiter").score == 0.0
    _, left_out = to_gift([planet])
    assert "case matters" in left_out[0].message
    back = import_moodle_xml(to_moodle_xml([planet])[0], "b.xml", SKILLS).items[0]
    assert grade(back, "saturn").score == 0.0 and grade(back, "Saturn").score == 1.0


def test_tex_maths_is_reported_not_shown_as_raw_dollars():
    gift = import_gift("::Growth::Pipeline grows by $$\\frac{a}{b}$$ a week: true? {T}\n\n::Plain::Plain {T}",
                       "t.gift", SKILLS, default_skills=("data-quality",))
    assert [i.stem for i in gift.items] == ["Plain"] and "TeX maths" in gift.problems[0].message
    xml = MOODLE_WEIGHTS.replace("Which planet has rings?", "Which planet has \\(r^2\\) rings?")
    back = import_moodle_xml(xml, "w.xml", SKILLS, default_skills=("data-quality",))
    assert len(back.items) == 2 and back.problems[0].item_id == "Planet" and "TeX" in back.problems[0].message


def test_gift_true_false_feedback_goes_to_whoever_gave_that_answer():
    text = ("// skills: data-quality\n::Merge::Merging keeps both records' activities.{T#No: merging moves them, "
            "nothing is lost.#Yes: activities move to the surviving record.}\n")
    item = import_gift(text, "f.gift", SKILLS).items[0]
    assert item.data == {"answer": True, "feedback": {"false": "No: merging moves them, nothing is lost.",
                                                      "true": "Yes: activities move to the surviving record."}}


def test_gift_numeric_answers_below_full_marks_earn_their_share():
    text = "// skills: opportunity-pipeline\n::Win rate::18 won, 27 lost: win rate in %? {#=40:0.5 =%50%40:5 ~%0%60}\n"
    item = import_gift(text, "f.gift", SKILLS).items[0]
    assert item.data["partial"] == [{"answer": 40.0, "tolerance": 5.0, "weight": 0.5}]
    assert [grade(item, v).score for v in ("40", "43", "46", "60")] == [1.0, 0.5, 0.0, 0.0]


def test_moodle_xml_true_false_feedback_and_numerical_partial_answers():
    xml = """<quiz>
<question type="truefalse"><name><text>tf</text></name><questiontext><text>Leads can be converted twice.</text></questiontext>
  <tags><tag><text>skill:lead-management</text></tag></tags>
  <answer fraction="0"><text>true</text><feedback><text>A converted lead is closed.</text></feedback></answer>
  <answer fraction="100"><text>false</text><feedback><text>Right: conversion happens once.</text></feedback></answer>
</question>
<question type="numerical"><name><text>num</text></name><questiontext><text>Days in a quarter?</text></questiontext>
  <tags><tag><text>skill:opportunity-pipeline</text></tag></tags>
  <answer fraction="100"><text>91</text><tolerance>1</tolerance></answer>
  <answer fraction="25"><text>90</text><tolerance>5</tolerance></answer>
</question></quiz>"""
    result = import_moodle_xml(xml.encode(), "f.xml", SKILLS)
    assert not result.problems, result.problems
    tf, num = result.items
    assert tf.data["feedback"] == {"true": "A converted lead is closed.", "false": "Right: conversion happens once."}
    assert [grade(num, v).score for v in ("91", "92", "86", "80")] == [1.0, 1.0, 0.25, 0.0]
