"""Forgotten passwords: a one-time, one-hour link by email; the form never tells whether an address
has an account and cannot flood an inbox; the link signs out every other session."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.models import Invitation, Message
from app.services import password_reset
from app.services.auth import authenticate
from tests.helpers import csrf_from, sign_in, user_by_email


def _ask(client, email):
    page = client.get("/auth/forgot")
    return client.post("/auth/forgot", data={"csrf_token": csrf_from(page), "email": email})


def _link(db):
    mail = db.session.scalars(select(Message).where(Message.kind == "password_reset").order_by(Message.id.desc())).first()
    return re.search(r"https?://[^/]+(/auth/reset/\S+)", mail.text_body).group(1)


def test_a_forgotten_password_is_reset_from_the_emailed_link(client, demo, db):
    assert "Forgot your password?" in client.get("/auth/sign-in").get_data(as_text=True)
    known, unknown = _ask(client, "trainee@demo.uptake"), _ask(client, "nobody@demo.uptake")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)  # nothing tells them apart
    assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "password_reset")) == 1
    old_session = client.application.test_client()
    sign_in(old_session, "trainee@demo.uptake")
    assert old_session.get("/me/").status_code == 200
    link = _link(db)
    page = client.get(link)
    assert page.status_code == 200 and "Tara Ingram" in page.get_data(as_text=True)
    short = client.post(link, data={"csrf_token": csrf_from(page), "password": "short"})
    assert short.status_code == 422 and "at least 12" in short.get_data(as_text=True)
    done = client.post(link, data={"csrf_token": csrf_from(page), "password": "a brand new password"})
    assert done.headers["Location"] == "/auth/sign-in"
    assert authenticate("trainee@demo.uptake", "a brand new password") is not None
    assert authenticate("trainee@demo.uptake", "uptake-demo") is None
    assert old_session.get("/me/").status_code == 302  # every earlier session is signed out
    assert client.get(link).status_code == 404  # used once


def test_one_link_per_five_minutes_only_the_newest_works_and_it_expires(demo, db):
    tara = user_by_email("trainee@demo.uptake")
    assert password_reset.request_reset("TRAINEE@demo.uptake", "http://uptake.test")
    assert not password_reset.request_reset("trainee@demo.uptake", "http://uptake.test")  # too soon: no second mail
    first = db.session.scalar(select(Invitation).where(Invitation.purpose == "reset"))
    first.expires_at -= timedelta(minutes=6)  # as if asked six minutes ago
    db.session.commit()
    assert password_reset.request_reset("trainee@demo.uptake", "http://uptake.test")
    links = db.session.scalars(select(Invitation).where(Invitation.purpose == "reset", Invitation.user_id == tara.id)
                               .order_by(Invitation.id)).all()
    assert len(links) == 2
    db.session.expire_all()
    from app.models.types import utcnow

    assert links[0].expires_at <= utcnow() < links[1].expires_at  # the older link no longer works


def test_links_of_one_kind_never_work_as_the_other(client, demo, db):
    from app.services import user_import

    admin, tara = user_by_email("admin@demo.uptake"), user_by_email("trainee@demo.uptake")
    password_reset.request_reset(tara.email, "http://uptake.test")
    reset_path = _link(db)
    token = reset_path.rsplit("/", 1)[1]
    assert client.get(f"/auth/activate/{token}").status_code == 404
    tara.password_hash = "!"  # awaiting activation again, so an activation link can be issued
    db.session.commit()
    activation = user_import.reissue_invitation(admin, tara, "http://uptake.test")
    assert client.get(f"/auth/reset/{activation.rsplit('/', 1)[1]}").status_code == 404
    deactivated = user_by_email("trainer2@demo.uptake")
    deactivated.active = False
    db.session.commit()
    assert not password_reset.request_reset(deactivated.email, "http://uptake.test")
