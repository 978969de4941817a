"""Questions imported with formatting and pictures: the preview, the question's page and the editor show
them; the pictures are served to signed-in people only, as what they are; a draft cannot point at a
picture the bank does not hold; the XML export carries them back out."""
import hashlib
import re

from sqlalchemy import select

from app.models import Item, ItemAsset
from tests.helpers import csrf_from
from tests.quizzes.test_rich_text import file_element, png, xml_question
from tests.routes.test_content_routes import upload

PICTURE = png((30, 120, 200), (16, 10))
SHA = hashlib.sha256(PICTURE).hexdigest()
XML = xml_question('<p>Which stage is the <strong>tallest</strong> bar?</p><p><img src="@@PLUGINFILE@@/bars.png" '
                   'alt="deals by stage"><script>alert(1)</script></p>', file_element("bars.png", PICTURE))


def import_pictures(client):
    preview = upload(client, XML, "pipeline.xml", "moodle_xml").headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    token = csrf_from(client.get(preview))
    client.post(preview + "/confirm", data={"csrf_token": token})
    return page


def test_the_preview_and_the_question_page_show_the_formatted_text_and_its_picture(client, content_loaded, login_as, db):
    login_as("trainer")
    page = import_pictures(client)
    assert f'<img src="/assets/{SHA}" alt="deals by stage">' in page and "<strong>tallest</strong>" in page
    assert "alert(1)" not in page
    item = db.session.scalar(select(Item).where(Item.key == "pipeline-chart"))
    assert item.active and item.data["stem_html"].count(f"asset:{SHA}") == 1
    question = client.get("/trainer/questions/pipeline-chart").get_data(as_text=True)
    assert f'<img src="/assets/{SHA}" alt="deals by stage">' in question
    stored = db.session.scalar(select(ItemAsset).where(ItemAsset.sha256 == SHA))
    assert stored.data == PICTURE and stored.content_type == "image/png" and stored.name == "bars.png"


def test_pictures_are_served_as_pictures_to_signed_in_people_only(client, content_loaded, login_as):
    login_as("trainer")
    import_pictures(client)
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/trainer/"))})
    assert client.get(f"/assets/{SHA}").status_code == 302  # to the sign-in page
    login_as("trainee")
    response = client.get(f"/assets/{SHA}")
    assert response.status_code == 200 and response.data == PICTURE and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/assets/" + "0" * 64).status_code == 404
    assert client.get("/assets/not-a-digest").status_code == 404


def test_the_editor_keeps_the_formatting_and_refuses_a_picture_the_bank_does_not_hold(client, content_loaded, login_as,
                                                                                      db):
    login_as("trainer")
    import_pictures(client)
    page = client.get("/trainer/questions/pipeline-chart/edit").get_data(as_text=True)
    assert 'name="stem_format" value="html"' in page and "Question (formatted text, HTML)" in page
    form = {"csrf_token": csrf_from(client.get("/trainer/questions/pipeline-chart/edit")), "type": "single_choice",
            "stem_format": "html", "skills": "opportunity-pipeline", "roles": "all", "difficulty": "medium",
            "opt-0-id": "a", "opt-0-text": "Negotiation", "opt-0-mark": "100",
            "opt-1-id": "b", "opt-1-text": "Prospecting", "opt-1-mark": "0"}
    stranger = "f" * 64
    refused = client.post("/trainer/questions/pipeline-chart/edit", data={
        **form, "stem": f'<p>Now with <img src="asset:{stranger}"> a picture nobody uploaded</p>'})
    assert refused.status_code == 400
    assert "shows a picture (asset:ffffffffffff…) that is not in the bank" in refused.get_data(as_text=True)
    assert "a picture nobody uploaded" in refused.get_data(as_text=True)  # what was typed is kept
    saved = client.post("/trainer/questions/pipeline-chart/edit", data={
        **form, "stem": f'<p>Which stage is the <em>tallest</em> bar?</p><p><img src="asset:{SHA}" alt="bars"></p>'
                        '<p onmouseover="x()">Pick one.</p>'}, follow_redirects=True)
    assert saved.status_code == 200 and "Draft saved" in saved.get_data(as_text=True)
    draft = client.get("/trainer/questions/pipeline-chart").get_data(as_text=True)
    assert "<em>tallest</em>" in draft and f'<img src="/assets/{SHA}" alt="bars">' in draft
    assert "onmouseover" not in draft


def test_the_xml_export_carries_the_picture_and_gift_lists_it_as_not_exported(client, content_loaded, login_as):
    import base64

    login_as("trainer")
    import_pictures(client)
    xml = client.get("/trainer/content/export.xml").get_data(as_text=True)
    block = xml[xml.index("<name><text>pipeline-chart</text></name>"):]
    assert "@@PLUGINFILE@@/" in block[:block.index("</question>")]
    assert base64.b64encode(PICTURE).decode() in block[:block.index("</question>")]
    gift = client.get("/trainer/content/export.gift").get_data(as_text=True)
    assert re.search(r"// Not exported: pipeline-chart \(it shows a picture, which a GIFT file cannot carry", gift)


def test_formatted_text_is_sanitised_again_when_shown_whatever_stored_it(client, content_loaded, login_as, db):
    """Defence in depth: a row written around the bank's rules (an old import, a hand edit in the
    database) still cannot put a script or an outside picture on a page."""
    login_as("trainer")
    item = db.session.scalar(select(Item).where(Item.active.is_(True), Item.type == "single_choice").limit(1))
    item.data = {**item.data, "stem_html": '<p>Hello<script>alert(1)</script><img src="https://evil.example/p.png">'
                                           '<b onclick="x()">there</b></p>'}
    db.session.commit()
    page = client.get(f"/trainer/questions/{item.key}").get_data(as_text=True)
    assert "<p>Hello<b>there</b></p>" in page
    assert "alert(1)" not in page and "evil.example" not in page and "onclick" not in page


def _new_question_form(client, picture: bytes | None, name: str = "screen.png", alt: str = "the Leads list"):
    import io

    from tests.routes.test_question_routes import changed, form_of

    page = "/trainer/questions/new?type=true_false"
    fields = changed(form_of(client, page, "/trainer/questions/new"), "stem", "The list shows only your own leads.\n"
                                                                            "Is that right?")
    fields.add("skills", "lead-management")
    fields.add("answer", "false")
    fields = changed(fields, "picture_alt", alt)
    data = fields.to_dict(flat=False)
    if picture is not None:
        data["picture"] = (io.BytesIO(picture), name)
    return client.post("/trainer/questions/new", data=data, content_type="multipart/form-data")


def test_a_trainer_adds_a_screenshot_to_a_question_in_the_editor(client, content_loaded, login_as, db):
    login_as("trainer")
    shot = png((200, 40, 40), (12, 8))
    sha = hashlib.sha256(shot).hexdigest()
    saved = _new_question_form(client, shot)
    assert saved.status_code == 302
    key = saved.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/trainer/questions/{key}").get_data(as_text=True)
    assert f'<img src="/assets/{sha}" alt="the Leads list">' in page and "Is that right?" in page
    assert client.get(f"/assets/{sha}").data == shot
    item = db.session.scalar(select(Item).where(Item.key == key))
    assert item.data["stem_html"].startswith("<p>The list shows only your own leads.</p><p>Is that right?</p>")


def test_a_picture_that_is_not_one_or_has_no_description_is_refused_and_nothing_saved(client, content_loaded,
                                                                                      login_as, db):
    login_as("trainer")
    before = db.session.scalar(select(Item.id).order_by(Item.id.desc()))
    svg = _new_question_form(client, b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                             "evil.svg")
    assert svg.status_code == 400 and "SVG drawing" in svg.get_data(as_text=True)
    assert "The list shows only your own leads." in svg.get_data(as_text=True)  # what was typed is still there
    unnamed = _new_question_form(client, png((1, 2, 3), (4, 4)), alt="  ")
    assert unnamed.status_code == 400 and "what the picture shows" in unnamed.get_data(as_text=True)
    assert db.session.scalar(select(Item.id).order_by(Item.id.desc())) == before
    assert db.session.scalar(select(ItemAsset).where(ItemAsset.name == "evil.svg")) is None
