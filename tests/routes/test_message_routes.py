"""Admin → Messages: what was sent, what waits and why something failed, for admins only and only
their own organisation's."""
import io

from sqlalchemy import select

from app.models import Message
from app.services.jobs import run_due
from tests.helpers import add_other_organisation, csrf_from, sign_in

CSV = ("email,name,role,business_unit,job_role\n"
       "maya.okafor@demo.uptake,Maya Okafor,trainee,Sales EMEA,account executive\n")


def _import(client):
    token = csrf_from(client.get("/admin/users/import"))
    preview = client.post("/admin/users/import", data={"csrf_token": token, "file": (io.BytesIO(CSV.encode()), "u.csv")},
                          content_type="multipart/form-data")
    token = csrf_from(preview)
    return client.post("/admin/users/import", data={"csrf_token": token, "confirm": "1", "content": CSV}, follow_redirects=True)


def test_an_import_queues_mail_that_the_worker_sends_and_the_admin_can_read(client, login_as, db, app):
    login_as("admin")
    done = _import(client)
    text = done.get_data(as_text=True)
    assert "1 person imported" in text and "is emailed their activation link" in text
    listing = client.get("/admin/messages").get_data(as_text=True)
    assert "Activate your Uptake account" in listing and "maya.okafor@demo.uptake" in listing and "queued" in listing
    assert "No mail server is configured" in listing
    assert run_due(only={"send-messages"}) == {"send-messages": "sent 1, to retry 0, failed 0"}
    message = db.session.scalar(select(Message))
    assert "sent" in client.get("/admin/messages?status=sent").get_data(as_text=True)
    page = client.get(f"/admin/messages/{message.id}").get_data(as_text=True)
    assert "Hello Maya Okafor" in page and "/auth/activate/" in page


def test_a_failed_message_shows_its_reason_and_can_be_sent_again(client, login_as, db):
    login_as("admin")
    _import(client)
    message = db.session.scalar(select(Message))
    message.status, message.attempts, message.last_error = "failed", 6, "SMTPRecipientsRefused: no such mailbox"
    db.session.commit()
    assert "no such mailbox" in client.get("/admin/messages?status=failed").get_data(as_text=True)
    page = client.get(f"/admin/messages/{message.id}")
    response = client.post(f"/admin/messages/{message.id}/retry", data={"csrf_token": csrf_from(page)},
                           follow_redirects=True)
    assert "will be sent again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (message.status, message.attempts) == ("queued", 0)


def test_messages_are_for_admins_of_their_own_organisation(client, login_as, db):
    login_as("admin")
    _import(client)
    message = db.session.scalar(select(Message))
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/admin/"))})
    add_other_organisation(db)
    sign_in(client, "admin@other.example", "other-admin-password")
    assert client.get(f"/admin/messages/{message.id}").status_code == 404
    assert "maya.okafor" not in client.get("/admin/messages").get_data(as_text=True)
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/admin/"))})
    sign_in(client, "trainer@demo.uptake")
    assert client.get("/admin/messages").status_code == 403


def test_long_lists_page_and_keep_their_filter(client, login_as, db):
    from app.services import audit, messages
    from tests.helpers import user_by_email

    login_as("admin")
    person = user_by_email("trainee@demo.uptake")
    for n in range(55):
        messages.queue(person.organisation, "activation", person.email, f"Note {n}", "activation", f"t:{n}",
                       person=person, link="https://x", expires="soon")
        audit.record("user.updated", target=f"p{n}@x", actor=user_by_email("admin@demo.uptake"))
    db.session.commit()
    first = client.get("/admin/messages?status=queued").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'href="/admin/messages?page=2&amp;status=queued"' in first
    second = client.get("/admin/messages?status=queued&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "Previous" in second and "Note 0" in second
    log = client.get("/admin/audit?action=user").get_data(as_text=True)
    assert "Older" in log and "action=user" in log.split("Older")[0].rsplit("href=", 1)[1]


def test_the_link_in_a_reminder_turns_reminders_off_and_on_without_signing_in(client, demo, db):
    from app.services import notices
    from tests.helpers import user_by_email

    tara = user_by_email("trainee@demo.uptake")
    path = notices.unsubscribe_link(tara).split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "Turn reminders off" in page.get_data(as_text=True)
    done = client.post(f"/{path}", data={"csrf_token": csrf_from(page), "reminders": "off"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "no more reminder emails" in text and "Turn reminders back on" in text
    db.session.expire_all()
    assert user_by_email("trainee@demo.uptake").reminders_opt_out
    client.post(f"/{path}", data={"csrf_token": csrf_from(done), "reminders": "on"})
    db.session.expire_all()
    assert not user_by_email("trainee@demo.uptake").reminders_opt_out
    assert client.get(f"/{path[:-3]}abc").status_code == 404  # a forged link opens nothing


def test_homes_show_the_same_events_as_notifications(client, content_loaded, db):
    from datetime import date, timedelta

    from app.services import assignments, notices
    from tests.helpers import user_by_email

    trainer, tara = user_by_email("trainer@demo.uptake"), user_by_email("trainee@demo.uptake")
    assignments.create_assignment(trainer, "quiz", "crm-basics", "user", tara.id, date.today())
    notices.send_reminders(today=date.today() + timedelta(days=8))
    sign_in(client, tara.email)
    home = client.get("/me/").get_data(as_text=True)
    assert "Notifications" in home and "New training for you: " in home and "Overdue since" in home
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/me/"))})
    sign_in(client, trainer.email)
    home = client.get("/trainer/").get_data(as_text=True)
    assert "Overdue in your unit" in home and f"{tara.name} is 8 days late" in home


def test_the_admin_sees_a_digests_heatmap_image_and_no_other_organisation_does(app, client, login_as, db):
    from app.services.notices import send_digests

    login_as("admin")
    send_digests()
    digest = db.session.scalar(select(Message).where(Message.kind == "digest").limit(1))
    page = client.get(f"/admin/messages/{digest.id}").get_data(as_text=True)
    assert f"/admin/messages/{digest.id}/image.png" in page
    image = client.get(f"/admin/messages/{digest.id}/image.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    add_other_organisation(db)
    other = app.test_client()
    sign_in(other, "admin@other.example", "other-admin-password")
    assert other.get(f"/admin/messages/{digest.id}/image.png").status_code == 404
