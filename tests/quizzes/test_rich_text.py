"""Formatted question text from Moodle: sanitised HTML kept, pictures inside a Moodle XML file kept as
assets named by their SHA-256, everything else reported — and exported back so a round trip gives
the same question with the same pictures."""
import base64
import hashlib
import io

import pytest
from PIL import Image

from quizzes import rich
from quizzes.exporters import to_gift, to_moodle_xml
from quizzes.importers.gift import import_gift
from quizzes.importers.moodle_xml import import_moodle_xml
from quizzes.loader import parse_item
from quizzes.raw import to_raw
from quizzes.registry import grade
from tests.quizzes.helpers import SKILLS


def png(colour=(200, 30, 30), size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def xml_question(text: str, files: str = "", extra: str = "", name: str = "Pipeline chart") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>{name}</text></name>
    <questiontext format="html"><text><![CDATA[{text}]]></text>{files}</questiontext>
    <single>true</single>
    <answer fraction="100"><text>Negotiation</text></answer>
    <answer fraction="0"><text>Prospecting</text></answer>{extra}
    <tags><tag><text>skill:opportunity-pipeline</text></tag></tags>
  </question>
</quiz>""".encode()


def file_element(name: str, data: bytes) -> str:
    return f'<file name="{name}" path="/" encoding="base64">{base64.b64encode(data).decode()}</file>'


# --- the sanitiser -------------------------------------------------------------------------------------------
def test_sanitise_keeps_formatting_and_asset_pictures_and_drops_everything_that_can_run():
    sha = "a" * 64
    dirty = (f'<p onclick="steal()">Is <b>2</b> &lt; 3?<script>alert(1)</script><style>p{{color:red}}</style>'
             f'<img src="asset:{sha}" alt="chart" onerror="x()"><img src="https://evil.example/x.png">'
             '<a href="javascript:alert(1)">bad</a> <a href="https://crm.example/help">help</a></p>'
             '<iframe src="https://evil.example"></iframe><table><tr><td colspan="2">cell</td></tr></table>')
    clean = rich.sanitise(dirty)
    for gone in ("onclick", "script", "alert", "style", "onerror", "evil", "javascript", "iframe"):
        assert gone not in clean
    assert f'<img src="asset:{sha}" alt="chart">' in clean and "<b>2</b> &lt; 3?" in clean
    assert '<a href="https://crm.example/help" rel="noopener noreferrer">help</a>' in clean
    assert '<td colspan="2">cell</td>' in clean
    assert rich.sanitise(clean) == clean  # stable: sanitising again changes nothing
    assert rich.plain_text(clean) == "Is 2 < 3? [picture: chart] bad help cell"
    assert rich.asset_refs(clean) == [sha]


def test_only_real_pictures_become_assets():
    assert rich.make_asset(png(), "chart.png")[0].content_type == "image/png"
    assert rich.make_asset(png(), "chart.png")[0].sha256 == hashlib.sha256(png()).hexdigest()
    assert "SVG" in rich.make_asset(b'<?xml version="1.0"?><svg onload="alert(1)"/>', "x.svg")[1]
    assert "not a PNG, JPEG, GIF or WebP" in rich.make_asset(b"MZ\x90\x00 an executable", "chart.png")[1]
    assert "empty" in rich.make_asset(b"", "chart.png")[1]
    assert "larger than 2 MiB" in rich.make_asset(b"\x89PNG\r\n\x1a\n" + b"0" * rich.MAX_ASSET_BYTES, "big.png")[1]


def test_the_bank_keeps_formatted_text_sanitised_and_derives_its_plain_text():
    raw = {"id": "rich-1", "type": "true_false", "skills": ["data-quality"], "answer": True, "explanation": "",
           "stem_html": '<p>Merging keeps <strong>both</strong> records\' activities.<script>x()</script></p>'}
    item, problems = parse_item(raw, "t.yaml", 0, SKILLS, None, require_explanation=False)
    assert not problems
    assert item.data["stem_html"] == "<p>Merging keeps <strong>both</strong> records' activities.</p>"
    assert item.stem == "Merging keeps both records' activities."
    again, _ = parse_item(to_raw(item), "t.yaml", 0, SKILLS, None, require_explanation=False)
    assert again.data == item.data and again.stem == item.stem
    _, problems = parse_item({**raw, "stem_html": "<script>only()</script>"}, "t.yaml", 0, SKILLS, None,
                             require_explanation=False)
    assert [(p.field, "is empty once" in p.message) for p in problems] == [("stem_html", True)]


# --- Moodle XML with pictures --------------------------------------------------------------------------------
def test_moodle_xml_keeps_the_formatted_text_and_its_picture_as_an_asset():
    picture = png()
    sha = hashlib.sha256(picture).hexdigest()
    text = ('<p>Which stage is the <em>highlighted</em> bar?</p><p><img src="@@PLUGINFILE@@/stage%20chart.png" '
            'alt="pipeline by stage" width="320" height="200"></p>')
    result = import_moodle_xml(xml_question(text, file_element("stage chart.png", picture)), "c.xml", SKILLS)
    assert not result.problems
    item = result.items[0]
    assert item.data["stem_html"] == (f'<p>Which stage is the <em>highlighted</em> bar?</p><p><img src="asset:{sha}" '
                                      'alt="pipeline by stage" width="320" height="200"></p>')
    assert item.stem == "Which stage is the highlighted bar? [picture: pipeline by stage]"
    assert list(result.assets) == [sha] and result.assets[sha].data == picture
    assert result.assets[sha].content_type == "image/png" and result.assets[sha].name == "stage chart.png"
    assert grade(item, "a").score == 1.0


def test_moodle_xml_older_image_base64_element_is_shown_after_the_text():
    picture = png((0, 90, 200))
    sha = hashlib.sha256(picture).hexdigest()
    xml = xml_question("<p>What does this screen show?</p>", extra="").replace(
        b"<single>", f"<image>screen.png</image><image_base64>{base64.b64encode(picture).decode()}</image_base64>"
                     "<single>".encode())
    result = import_moodle_xml(xml, "old.xml", SKILLS)
    assert not result.problems and sha in result.assets
    assert result.items[0].data["stem_html"].endswith(f'<p><img src="asset:{sha}" alt=""></p>')


@pytest.mark.parametrize("text, files, extra, words", [
    ('<p>Chart: <img src="@@PLUGINFILE@@/missing.png"></p>', "", "", "'missing.png', which is not in the file"),
    ('<p><img src="@@PLUGINFILE@@/x.svg"></p>', file_element("x.svg", b'<svg onload="alert(1)"/>'), "", "SVG"),
    ('<p><img src="@@PLUGINFILE@@/x.png"></p>', '<file name="x.png" encoding="base64">not*base64!</file>', "",
     "not valid base64"),
    ('<p>Logo: <img src="https://tracker.example/pixel.png"></p>', "", "", "from another site (https://tracker"),
    ("<p>Which one?</p>", "", '<answer fraction="0"><text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text>'
     f'{file_element("a.png", png())}</answer>', "an answer or feedback shows a picture"),
])
def test_a_picture_that_cannot_come_along_is_reported_with_its_reason(text, files, extra, words):
    result = import_moodle_xml(xml_question(text, files, extra), "c.xml", SKILLS)
    assert not result.items and not result.assets
    assert len(result.problems) == 1 and words in result.problems[0].message, result.problems


def test_plain_paragraphs_stay_plain_text():
    result = import_moodle_xml(xml_question("<p>Which stage comes after qualification?</p>"), "c.xml", SKILLS)
    assert "stem_html" not in result.items[0].data
    assert result.items[0].stem == "Which stage comes after qualification?"


# --- GIFT formatted text ---------------------------------------------------------------------------------------
def test_gift_html_keeps_its_formatting_but_no_script_and_plain_comparisons_stay_plain():
    result = import_gift("::Fmt::[html]<p>A <b>closed won</b> deal <i onmouseover\\=\"x()\">counts</i>.</p>"
                         "<script>alert(1)</script> {T}\n\n::Cmp::Is 2 < 3 and 5 > 4? {T}", "f.gift", SKILLS,
                         default_skills=("opportunity-pipeline",))
    fmt, cmp_ = result.items
    assert fmt.data["stem_html"] == "<p>A <b>closed won</b> deal <i>counts</i>.</p>"
    assert fmt.stem == "A closed won deal counts."
    assert "stem_html" not in cmp_.data and cmp_.stem == "Is 2 < 3 and 5 > 4?"


def test_gift_picture_from_another_site_is_reported():
    result = import_gift('::Ext::Which logo? <img src="http://cdn.example/logo.png"> {=Ours ~Theirs}', "e.gift",
                         SKILLS, default_skills=("data-quality",))
    assert not result.items and "from another site (http://cdn.example/logo.png)" in result.problems[0].message


# --- export and round trip -----------------------------------------------------------------------------------
def test_moodle_xml_round_trip_keeps_the_formatted_text_and_the_same_pictures():
    picture = png((10, 160, 60), (12, 9))
    text = ('<p>Read the <strong>report</strong>:</p><p><img src="@@PLUGINFILE@@/r.png" alt="won by month"></p>'
            "<ul><li>March</li><li>April</li></ul>")
    first = import_moodle_xml(xml_question(text, file_element("r.png", picture)), "c.xml", SKILLS)
    exported, left_out = to_moodle_xml(first.items, first.assets)
    assert not left_out and "@@PLUGINFILE@@/" in exported and "asset:" not in exported
    back = import_moodle_xml(exported, "back.xml", SKILLS)
    assert not back.problems
    assert back.items[0].data == first.items[0].data and back.items[0].stem == first.items[0].stem
    assert set(back.assets) == set(first.assets) and back.assets[next(iter(back.assets))].data == picture


def test_xml_export_reports_a_picture_the_bank_no_longer_has_and_gift_cannot_carry_one():
    picture = png()
    first = import_moodle_xml(xml_question('<p>See <img src="@@PLUGINFILE@@/p.png" alt="x"></p>',
                                           file_element("p.png", picture)), "c.xml", SKILLS)
    _, left_out = to_moodle_xml(first.items, {})
    assert "missing from the bank" in left_out[0].message
    gift, left_out = to_gift(first.items)
    assert gift == "" and "a GIFT file cannot carry" in left_out[0].message


def test_gift_round_trip_keeps_formatting_without_pictures():
    first = import_moodle_xml(xml_question("<p>Which <em>stage</em> is the deal in?</p><ol><li>one</li></ol>"),
                              "c.xml", SKILLS)
    gift, left_out = to_gift(first.items)
    assert not left_out and "[html]" in gift
    back = import_gift(gift, "back.gift", SKILLS)
    assert not back.problems and back.items[0].data == first.items[0].data
    assert back.items[0].stem == first.items[0].stem
