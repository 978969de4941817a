"""The question editor over HTTP: who may use it, every item type's form sent back unchanged is the
same question, refusals that keep what was typed, trying an answer, publishing and retiring."""
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

import pytest
from sqlalchemy import select

from app.models import Item, ItemVersion
from tests.helpers import csrf_from


class FormFields(HTMLParser):
    """The fields a browser would send for the first form with this action: text inputs, hidden
    inputs, textareas, the selected option of each select, checked boxes and radios."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and not self.fields
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif a.get("type") != "submit":
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def form_of(client, page: str, action: str) -> list[tuple[str, str]]:
    parser = FormFields(action)
    parser.feed(client.get(page).get_data(as_text=True))
    assert parser.fields, f"no form posting to {action} on {page}"
    return MultiDict(parser.fields)


def changed(fields: MultiDict, name: str, value: str) -> MultiDict:
    return MultiDict([(k, value if k == name else v) for k, v in fields.items(multi=True)])


@pytest.fixture
def trainer(content_loaded, login_as):
    return login_as("trainer")


def test_trainees_may_not_write_questions(content_loaded, client, login_as):
    login_as("trainee")
    assert client.get("/trainer/questions").status_code == 403
    assert client.get("/trainer/questions/nav-001/edit").status_code == 403


def test_the_list_finds_questions_by_words_skill_and_status(trainer, client):
    page = client.get("/trainer/questions?q=Halvorsen").get_data(as_text=True)
    assert "nav-001" in page and "acc-001" not in page
    page = client.get("/trainer/questions?skill=campaigns").get_data(as_text=True)
    assert "camp-" in page and "nav-001" not in page
    page = client.get("/trainer/questions?q=100%25_").get_data(as_text=True)  # % and _ are searched as text
    assert "No questions match" in page


def test_every_shipped_question_comes_back_unchanged_through_its_form(trainer, client, db):
    """The form shows every part of each type (options, marks, answers, steps, pairs) and reads them back:
    sent back untouched, no question in the bank gets a draft."""
    keys = db.session.scalars(select(Item.key).where(Item.active.is_(True)).order_by(Item.key)).all()
    for key in keys:
        page = f"/trainer/questions/{key}/edit"
        response = client.post(page, data=form_of(client, page, page))
        assert response.status_code == 302, (key, response.get_data(as_text=True)[-2000:])
    assert db.session.scalar(select(ItemVersion.id).where(ItemVersion.status == "draft")) is None


def test_a_new_question_written_in_the_form(trainer, client, db):
    page = "/trainer/questions/new?type=multiple_response"
    fields = form_of(client, page, "/trainer/questions/new")
    fields = changed(fields, "stem", "Which of these belong on the opportunity?")
    fields = MultiDict([f for f in fields.items(multi=True) if f[0] != "roles"]
                       + [("skills", "opportunity-pipeline"), ("roles", "all")])
    fields = changed(changed(fields, "opt-0-text", "Next step"), "opt-0-mark", "50")
    fields = changed(changed(fields, "opt-1-text", "Close date"), "opt-1-mark", "50")
    fields = changed(changed(fields, "opt-2-text", "The buyer's birthday"), "opt-2-mark", "-100")
    fields = changed(fields, "opt-2-feedback", "Private details do not belong in the CRM.")
    response = client.post("/trainer/questions/new", data=fields)
    assert response.status_code == 302
    row = db.session.scalar(select(Item).where(Item.stem == "Which of these belong on the opportunity?"))
    assert row.version == 0 and [o["weight"] for o in row.data["options"]] == [0.5, 0.5, -1.0]
    assert row.data["options"][2]["feedback"] == "Private details do not belong in the CRM."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Never published" in page and "Next step (50 %)" in page


def test_a_refused_question_lists_what_to_fix_and_keeps_what_was_typed(trainer, client, db):
    page = "/trainer/questions/new?type=single_choice"
    fields = form_of(client, page, "/trainer/questions/new")
    fields = changed(changed(fields, "opt-0-text", "Only option, typed with care"), "opt-1-mark", "lots")
    fields = changed(fields, "opt-1-text", "Second")
    response = client.post("/trainer/questions/new", data=fields)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Option 2, mark: must be a percentage" in text
    assert ">Only option, typed with care</textarea>" in text
    fields = changed(fields, "opt-1-mark", "0")
    text = client.post("/trainer/questions/new", data=fields).get_data(as_text=True)
    assert "Question: is missing" in text and "Skills: needs at least one skill" in text
    assert "Options: needs exactly one option marked correct" in text
    assert db.session.scalar(select(Item).where(Item.source == "editor")) is None


def test_trying_an_answer_shows_the_mark_a_trainee_would_get(trainer, client):
    page = "/trainer/questions/acc-003"
    token = csrf_from(client.get(page))
    right = client.post(f"{page}/try", data={"csrf_token": token, "answer-acc-003": "true"}).get_data(as_text=True)
    wrong = client.post(f"{page}/try", data={"csrf_token": token, "answer-acc-003": "false"}).get_data(as_text=True)
    assert "This answer scores 100 %" in right and "This answer scores 0 %" in wrong


def test_edit_publish_and_retire_through_the_pages(trainer, client, db):
    page = "/trainer/questions/acc-003/edit"  # a shipped question: the organisation's copy is what changes
    assert "shared by every organisation" in client.get(page).get_data(as_text=True)
    fields = changed(form_of(client, page, page), "stem", "Contacts belong to an account.")
    saved = client.post(page, data=fields)
    copy = saved.headers["Location"].rsplit("/", 1)[-1]
    assert saved.status_code == 302 and copy != "acc-003"
    listing = client.get("/trainer/questions?status=new").get_data(as_text=True)
    assert copy in listing
    shipped_page = client.get("/trainer/questions/acc-003").get_data(as_text=True)
    assert f"your organisation’s copy, <code>{copy}</code>" in shipped_page.replace("&#39;", "’").replace("'", "’")
    token = csrf_from(client.get(f"/trainer/questions/{copy}"))
    text = client.post(f"/trainer/questions/{copy}/publish", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Published as version 1" in text and "Version 1, published" in text
    assert copy in client.get("/trainer/questions?q=Contacts+belong").get_data(as_text=True)
    text = client.post(f"/trainer/questions/{copy}/retire", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Retired" in text
    assert db.session.scalar(select(Item.active).where(Item.key == copy)) is False
    assert db.session.scalar(select(Item.active).where(Item.key == "acc-003")) is True  # shipped: as it was


def test_a_published_question_of_the_organisation_gets_versions_through_the_pages(trainer, client, db):
    page = "/trainer/questions/new?type=true_false"
    fields = changed(form_of(client, page, "/trainer/questions/new"), "stem", "Every contact belongs to an account.")
    fields.add("skills", "accounts-contacts")
    fields.add("answer", "true")
    key = client.post("/trainer/questions/new", data=fields).headers["Location"].rsplit("/", 1)[-1]
    token = csrf_from(client.get(f"/trainer/questions/{key}"))
    client.post(f"/trainer/questions/{key}/publish", data={"csrf_token": token})
    page = f"/trainer/questions/{key}/edit"
    fields = changed(form_of(client, page, page), "stem", "Every contact hangs off one account.")
    assert client.post(page, data=fields).headers["Location"].endswith(f"/trainer/questions/{key}")
    assert key in client.get("/trainer/questions?status=draft").get_data(as_text=True)
    text = client.post(f"/trainer/questions/{key}/publish", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Published as version 2" in text and "Version 1, published" in text


def test_an_expired_form_saves_nothing(trainer, client, db):
    page = "/trainer/questions/acc-003/edit"
    fields = changed(changed(form_of(client, page, page), "csrf_token", "stale"), "stem", "New words")
    response = client.post(page, data=fields)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "your form expired" in text and "New words" in text  # nothing typed is lost
    assert db.session.scalar(select(ItemVersion.id).where(ItemVersion.status == "draft")) is None


def test_true_false_feedback_and_numeric_near_misses_in_the_form(trainer, client, db):
    page = "/trainer/questions/new?type=true_false"
    fields = changed(form_of(client, page, "/trainer/questions/new"), "stem", "Every contact belongs to an account.")
    fields.add("skills", "accounts-contacts")
    fields.add("answer", "true")
    fields = changed(fields, "feedback-false", "Orphan contacts vanish from account views.")
    assert client.post("/trainer/questions/new", data=fields).status_code == 302
    page = "/trainer/questions/new?type=numeric"
    fields = changed(form_of(client, page, "/trainer/questions/new"), "stem", "18 won and 27 lost: win rate in %?")
    fields.add("skills", "opportunity-pipeline")
    fields = changed(changed(fields, "answer", "40"), "tolerance", "0.5")
    fields = changed(changed(changed(fields, "near-0-answer", "40"), "near-0-tolerance", "5"), "near-0-mark", "50")
    assert client.post("/trainer/questions/new", data=fields).status_code == 302
    rows = {r.type: r.data for r in db.session.scalars(select(Item).where(Item.source == "editor"))}
    assert rows["true_false"] == {"answer": True, "feedback": {"false": "Orphan contacts vanish from account views."}}
    assert rows["numeric"]["partial"] == [{"answer": 40.0, "tolerance": 5.0, "weight": 0.5}]


def test_editing_a_shipped_question_the_organisation_copied_opens_the_copy(trainer, client, db):
    page = "/trainer/questions/nav-001/edit"
    fields = changed(form_of(client, page, page), "stem", "Our own wording of the search question.")
    copy = client.post(page, data=fields).headers["Location"].rsplit("/", 1)[-1]
    again = client.get(page)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/trainer/questions/{copy}/edit")
    assert "Our own wording of the search question." in client.get(again.headers["Location"]).get_data(as_text=True)
