"""Helpers tests call: sign in and post forms as a browser would, find people, add a second
organisation or a unit's new hires, and write an answer as the browser sends it."""
from __future__ import annotations

import re

from app.extensions import db as _db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_new_hires(unit, count: int) -> None:
    """`count` trainees named "Zz New Hire 000"… (last by name) in `unit`, committed."""
    from app.models import User

    _db.session.add_all([User(organisation_id=unit.organisation_id, business_unit_id=unit.id, role="trainee",
                              email=f"hire{n:03d}@demo.uptake", name=f"Zz New Hire {n:03d}", password_hash="x",
                              active=True, session_version=1) for n in range(count)])
    _db.session.commit()


def user_by_email(email: str):
    from app.services.auth import find_user_by_email

    return find_user_by_email(email)


def newcomer_beside_tara(email: str, name: str, password: str):
    """A trainee with no evidence yet, in Tara's unit and job role (every skill still open)."""
    from app.services.people import UserInput, create_user

    tara = user_by_email("trainee@demo.uptake")
    return create_user(tara.organisation_id, UserInput(
        email=email, name=name, role="trainee", business_unit_id=tara.business_unit_id,
        job_role_id=tara.job_role_id, password=password))


def add_other_organisation(db, admin_email: str = "admin@other.example",
                           password: str = "other-admin-password"):
    """A second company with one admin, for proving one organisation never sees another's records."""
    from app.models import Organisation, User
    from app.services.passwords import hash_password

    other = Organisation(name="Other Org")
    db.session.add(other)
    db.session.flush()
    db.session.add(User(organisation_id=other.id, email=admin_email, name="Other Admin", role="admin",
                        password_hash=hash_password(password), active=True, session_version=1))
    db.session.commit()
    return other


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = "uptake-demo", follow_redirects: bool = False):
    token = csrf_from(client.get("/auth/sign-in"))
    return client.post("/auth/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=follow_redirects)


def post_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """Load a page (for its CSRF token) and post a form to action_url, as a browser would."""
    token = csrf_from(client.get(page_url))
    return client.post(action_url, data={**data, "csrf_token": token}, **kwargs)


DEMO_EMAILS = {
    "admin": "admin@demo.uptake",
    "trainer": "trainer@demo.uptake",
    "trainer2": "trainer2@demo.uptake",
    "trainee": "trainee@demo.uptake",
}


def as_sent(attempt_id: int, item_key: str, answer):
    """An answer written in the bank's own ids, as the browser sends it: this attempt's answer ids
    (quizzes.disguise). Ids the item does not have come out as ids the attempt refuses."""
    from sqlalchemy import select

    from app.models import Attempt, Item
    from app.services.content import engine_item
    from quizzes.disguise import Disguise

    salt = _db.session.scalar(select(Attempt.answer_salt).where(Attempt.id == attempt_id))
    row = _db.session.scalar(select(Item).where(Item.key == item_key))
    if salt is None or row is None or answer is None:
        return answer
    item = engine_item(row)
    try:
        return Disguise(salt).hide(item, answer)
    except (AttributeError, TypeError):  # a malformed answer goes through as it is
        return answer
