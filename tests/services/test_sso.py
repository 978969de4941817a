"""Who single sign-on lets in and as whom (sso.person_for), and the settings' checks — without HTTP
(the protocol itself is tested against a real provider in tests/routes/test_sso_routes.py)."""
from __future__ import annotations

import pytest

from app.models import BusinessUnit, JobRole
from app.services import sso
from app.services.errors import ServiceError, ValidationFailed
from tests.helpers import DEMO_EMAILS, add_other_organisation, user_by_email


CSV = b"email,name,role,business_unit,job_role\nlate@demo.uptake,Late Comer,trainee,Marketing,marketing specialist\n"


def _configure(db, **changes):
    admin = user_by_email(DEMO_EMAILS["admin"])
    settings = sso.SsoSettings(enabled=True, discovery_url="https://login.demo.example/.well-known/openid-configuration",
                               client_id="uptake", client_secret="secret", allowed_domains="demo.uptake")
    for key, value in changes.items():
        setattr(settings, key, value)
    return sso.update_settings(admin, settings)


def _import_one():
    from app.services.user_import import apply

    return apply(user_by_email(DEMO_EMAILS["admin"]), CSV, "http://uptake.test")


def _unit(db, name):
    from sqlalchemy import select

    return db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == name))


def test_a_new_person_gets_the_default_unit_and_role_unless_claims_name_others(demo, db):
    from sqlalchemy import select

    marketing = _unit(db, "Marketing")
    agent = db.session.scalar(select(JobRole).where(JobRole.name == "service agent"))
    config = _configure(db, default_unit_id=marketing.id, default_job_role_id=agent.id, unit_claim="department",
                        job_role_claim="title")
    plain = sso.person_for(config, {"sub": "1", "email": "Plain.Person@Demo.Uptake", "name": "Plain Person"})
    assert plain.email == "plain.person@demo.uptake" and plain.role == "trainee"
    assert plain.business_unit_id == marketing.id and plain.job_role_id == agent.id
    named = sso.person_for(config, {"sub": "2", "email": "named@demo.uptake", "given_name": "Nam", "family_name": "Ed",
                                    "department": "SALES emea", "title": ["Sales Manager"]})
    assert named.business_unit.name == "Sales EMEA" and named.job_role.name == "sales manager"
    assert named.name == "Nam Ed"
    unknown = sso.person_for(config, {"sub": "3", "email": "unknown.unit@demo.uptake", "department": "Legal"})
    assert unknown.business_unit_id == marketing.id  # a unit Uptake does not have: the default
    assert unknown.name == "unknown.unit"  # no name claim: the address's local part


def test_roles_never_come_from_claims(demo, db):
    config = _configure(db)
    person = sso.person_for(config, {"sub": "1", "email": "boss@demo.uptake", "role": "admin", "groups": ["admin"]})
    assert person.role == "trainee"


@pytest.mark.parametrize("claims, message", [
    ({"sub": "1"}, "did not send an email address"),
    ({"sub": "1", "email": "not-an-address"}, "cannot use"),
    ({"sub": "1", "email": "x@demo.uptake", "email_verified": False}, "has not verified"),
    ({"sub": "1", "email": "x@demo.uptake.evil.example"}, "cannot sign in to this organisation"),
])
def test_unusable_claims_are_refused_with_the_reason(demo, db, claims, message):
    config = _configure(db)
    with pytest.raises(sso.SsoRefused, match=message):
        sso.person_for(config, claims)
    assert user_by_email("x@demo.uptake") is None


def test_an_account_of_another_organisation_is_never_taken_over(demo, db):
    add_other_organisation(db, admin_email="admin@demo.uptake.other")
    config = _configure(db, allowed_domains="demo.uptake\ndemo.uptake.other")
    with pytest.raises(sso.SsoRefused, match="another organisation"):
        sso.person_for(config, {"sub": "1", "email": "admin@demo.uptake.other"})


def test_someone_awaiting_activation_is_activated_by_the_provider(demo, db):
    _import_one()
    assert user_by_email("late@demo.uptake").awaiting_activation
    person = sso.person_for(_configure(db), {"sub": "9", "email": "late@demo.uptake"})
    assert not person.awaiting_activation and not person.has_password


def test_only_admins_keep_passwords_when_the_organisation_is_sso_only(demo, db):
    trainee, admin = user_by_email(DEMO_EMAILS["trainee"]), user_by_email(DEMO_EMAILS["admin"])
    assert sso.password_allowed(trainee)
    _configure(db, sso_only=True)
    assert not sso.password_allowed(trainee) and sso.password_allowed(admin)


def test_an_activation_link_sets_no_password_once_passwords_are_off(demo, db):
    from app.services.user_import import activate

    (_, link), = _import_one()
    _configure(db, sso_only=True)
    token = link.rsplit("/", 1)[1]
    with pytest.raises(ServiceError, match="single sign-on"):
        activate(token, "a-long-enough-password")
    assert user_by_email("late@demo.uptake").awaiting_activation


@pytest.mark.parametrize("changes, field", [
    ({"discovery_url": "http://login.example.com/.well-known/openid-configuration"}, "discovery_url"),
    ({"discovery_url": "not a url"}, "discovery_url"),
    ({"client_id": ""}, "client_id"),
    ({"allowed_domains": ""}, "allowed_domains"),
    ({"allowed_domains": "demo.uptake, bad domain!"}, "allowed_domains"),
    ({"unit_claim": "de partment"}, "unit_claim"),
    ({"default_unit_id": 999999}, "default_unit_id"),
])
def test_settings_that_cannot_work_are_refused_and_nothing_is_saved(demo, db, changes, field):
    with pytest.raises(ValidationFailed) as error:
        _configure(db, **changes)
    assert error.value.field == field
    db.session.rollback()
    assert sso.config_of(user_by_email(DEMO_EMAILS["admin"]).organisation_id) is None


def test_a_unit_of_another_organisation_cannot_be_the_default(demo, db):
    other = add_other_organisation(db)
    foreign = BusinessUnit(organisation_id=other.id, name="Their unit")
    db.session.add(foreign)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="of your organisation"):
        _configure(db, default_unit_id=foreign.id)


def test_the_client_secret_is_sealed_and_a_new_secret_key_asks_for_it_again(demo, db, app):
    config = _configure(db, client_secret="the-provider-secret")
    assert "the-provider-secret" not in config.client_secret_sealed
    assert sso._unseal(config.client_secret_sealed) == "the-provider-secret"
    key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-after-rotation"
    try:
        with pytest.raises(sso.SsoRefused, match="enters the client secret again"):
            sso._unseal(config.client_secret_sealed)
    finally:
        app.config["SECRET_KEY"] = key
