"""CSV user import: preview with per-row errors, all or nothing, activation links."""
import io
import re

from sqlalchemy import func, select

from app.models import User
from tests.helpers import csrf_from, sign_in, user_by_email

GOOD = ("email,name,role,business_unit,job_role,trainer_units\n"
        "new.rep@demo.uptake,New Rep,trainee,Sales EMEA,account executive,\n"
        "new.coach@demo.uptake,New Coach,trainer,,,Marketing;Customer Service\n")
BAD = ("email,name,role,business_unit,job_role\n"
       "ok.person@demo.uptake,Ok Person,trainee,Sales EMEA,account executive\n"
       "not-an-email,No Email,trainee,Sales EMEA,account executive\n"
       "trainee@demo.uptake,Existing,trainee,Sales EMEA,account executive\n"
       "x@demo.uptake,=HYPERLINK(\"evil\"),trainee,Atlantis,astronaut\n")


def upload(client, text):
    token = csrf_from(client.get("/admin/users/import"))
    return client.post("/admin/users/import", data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "u.csv")},
                       content_type="multipart/form-data")


def count(db):
    return db.session.scalar(select(func.count(User.id)))


def test_bad_rows_are_listed_and_nothing_is_imported(client, demo, login_as, db):
    login_as("admin")
    before = count(db)
    page = upload(client, BAD)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    for message in ("Enter a valid email address", "A user with this email already exists", "Unknown business unit",
                    "Unknown job role", "run them as formulas"):
        assert message in text
    assert "Import 4 people" not in text and count(db) == before
    confirm = client.post("/admin/users/import", data={"csrf_token": csrf_from(client.get("/admin/users/import")),
                                                       "confirm": "1", "content": BAD})
    assert confirm.status_code == 422 and "nothing was imported" in confirm.get_data(as_text=True)
    assert count(db) == before


def test_good_file_imports_everyone_and_activation_sets_a_password(app, demo, db):
    admin = app.test_client()
    sign_in(admin, "admin@demo.uptake")
    preview = upload(admin, GOOD).get_data(as_text=True)
    assert "Import 2 people" in preview
    done = admin.post("/admin/users/import", data={"csrf_token": csrf_from(admin.get("/admin/users/import")),
                                                   "confirm": "1", "content": GOOD}).get_data(as_text=True)
    links = re.findall(r"http://localhost/auth/activate/[\w-]+", done)
    assert len(links) == 2
    coach = user_by_email("new.coach@demo.uptake")
    assert {u.name for u in coach.trained_units} == {"Marketing", "Customer Service"}
    def listed_status():
        page = admin.get("/admin/users?q=new.rep").get_data(as_text=True)
        row = re.search(r"new\.rep@demo\.uptake.*?</tr>", page, re.S).group(0)
        return re.sub(r"<[^>]+>", " ", row)

    assert "Not activated yet" in listed_status()
    newcomer = app.test_client()
    assert sign_in(newcomer, "new.rep@demo.uptake", "anything-at-all").status_code == 401  # not activated yet
    path = links[0].replace("http://localhost", "")
    page = newcomer.get(path)
    short = newcomer.post(path, data={"csrf_token": csrf_from(page), "password": "short"})
    assert short.status_code == 422 and "at least 12" in short.get_data(as_text=True)
    ok = newcomer.post(path, data={"csrf_token": csrf_from(newcomer.get(path)), "password": "my-own-password-1"})
    assert ok.status_code == 302
    assert sign_in(newcomer, "new.rep@demo.uptake", "my-own-password-1").status_code == 302
    assert app.test_client().get(path).status_code == 404  # one use only
    assert "Not activated yet" not in listed_status() and "Active" in listed_status()


def test_import_needs_the_header_row_and_utf8(client, demo, login_as):
    login_as("admin")
    assert "missing: email" in upload(client, "name,role\nA,trainee\n").get_data(as_text=True)
    token = csrf_from(client.get("/admin/users/import"))
    bad = client.post("/admin/users/import", data={"csrf_token": token, "file": (io.BytesIO(b"\xff\xfe\x00"), "u.csv")},
                      content_type="multipart/form-data")
    assert "not UTF-8" in bad.get_data(as_text=True)


def test_a_lost_activation_link_is_replaced_and_the_old_one_stops_working(app, demo, db):
    admin = app.test_client()
    sign_in(admin, "admin@demo.uptake")
    done = admin.post("/admin/users/import", data={"csrf_token": csrf_from(admin.get("/admin/users/import")),
                                                   "confirm": "1", "content": GOOD}).get_data(as_text=True)
    old = re.findall(r"http://localhost/auth/activate/[\w-]+", done)[0].replace("http://localhost", "")
    rep = user_by_email("new.rep@demo.uptake")
    edit = admin.get(f"/admin/users/{rep.id}/edit").get_data(as_text=True)
    assert "Issue a new activation link" in edit and "has not used their activation link" in edit
    page = admin.post(f"/admin/users/{rep.id}/activation-link",
                      data={"csrf_token": csrf_from(admin.get(f"/admin/users/{rep.id}/edit"))}).get_data(as_text=True)
    assert "New activation link for New Rep" in page and "earlier links no longer work" in page
    new = re.findall(r"http://localhost/auth/activate/[\w-]+", page)[0].replace("http://localhost", "")
    person = app.test_client()
    assert person.get(old).status_code == 404  # the lost link no longer works
    assert person.post(new, data={"csrf_token": csrf_from(person.get(new)),
                                  "password": "my-own-password-1"}).status_code == 302
    assert "Issue a new activation link" not in admin.get(f"/admin/users/{rep.id}/edit").get_data(as_text=True)
    again = admin.post(f"/admin/users/{rep.id}/activation-link",
                       data={"csrf_token": csrf_from(admin.get(f"/admin/users/{rep.id}/edit"))}, follow_redirects=True)
    assert "already activated their account" in again.get_data(as_text=True)
    from sqlalchemy import select as sql_select

    from app.models import AuditEvent

    assert db.session.scalar(sql_select(AuditEvent.target).where(AuditEvent.action == "user.invitation_reissued")) \
        == "new.rep@demo.uptake"
