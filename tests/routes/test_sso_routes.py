"""Single sign-on end to end against a real OpenID Provider (pyop) started by the tests: Uptake's
routes send the person to the provider and take them back; the provider's answer is checked
(state, nonce, signature, issuer, audience, expiry) and who may come in is Uptake's decision."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.models import AuditEvent, User
from app.services import sso
from tests.helpers import DEMO_EMAILS, sign_in, user_by_email
from tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    expired,
    for_audience,
    for_issuer,
    running_provider,
    signed_with_unpublished_key,
    with_nonce,
)

CALLBACK = "http://localhost/auth/sso/callback"


@pytest.fixture
def provider(demo, app, tmp_path_factory):
    sso.forget_clients()
    with running_provider(str(tmp_path_factory.getbasetemp())) as op:
        app.config["SSO_CA_BUNDLE"] = op.ca_bundle
        op.redirect_uris.append(CALLBACK)
        op.people.update({
            "trainee@demo.uptake": {"email": "trainee@demo.uptake", "email_verified": True, "name": "Tracy Trainee"},
            "new.starter@demo.uptake": {"email": "new.starter@demo.uptake", "email_verified": True,
                                        "name": "Nia Starter", "department": "customer service"},
            "someone@elsewhere.example": {"email": "someone@elsewhere.example", "email_verified": True,
                                          "name": "Outside Person"},
        })
        yield op
    app.config["SSO_CA_BUNDLE"] = ""
    sso.forget_clients()


@pytest.fixture
def org_sso(provider, db):
    """The demo organisation signs in through the test provider."""
    admin = user_by_email(DEMO_EMAILS["admin"])
    sso.update_settings(admin, sso.SsoSettings(
        enabled=True, discovery_url=f"{provider.issuer}/.well-known/openid-configuration", client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET, allowed_domains="demo.uptake", provision=True, unit_claim="department"))
    return admin.organisation_id


def _round_trip(client, org_id: int, op, who: str, follow: bool = False):
    """The browser's part: Uptake → provider (signed in as `who`) → back to Uptake's callback."""
    start = client.get(f"/auth/sso/{org_id}")
    assert start.status_code == 302, start.get_data(as_text=True)
    assert start.location.startswith(op.issuer + "/authorize")
    op.sign_in_as = who
    at_provider = requests.get(start.location, allow_redirects=False, timeout=10, verify=op.ca_bundle)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=follow)


def _last_failure(db) -> str:
    from sqlalchemy import select

    return db.session.scalar(select(AuditEvent.target).where(AuditEvent.action == "sign_in.sso_failure")
                             .order_by(AuditEvent.id.desc()).limit(1))


def test_the_sign_in_page_offers_single_sign_on_only_once_it_is_set_up(client, provider, org_sso, db):
    assert "single sign-on" in client.get("/auth/sign-in").get_data(as_text=True)
    admin = user_by_email(DEMO_EMAILS["admin"])
    sso.update_settings(admin, sso.SsoSettings(enabled=False))
    assert "single sign-on" not in client.get("/auth/sign-in").get_data(as_text=True)
    assert client.get(f"/auth/sso/{org_sso}").status_code == 404


def test_a_known_person_signs_in_through_the_provider(client, provider, org_sso, db):
    start = client.get(f"/auth/sso/{org_sso}")
    query = parse_qs(urlsplit(start.location).query)
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [CALLBACK]
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0]
    response = _round_trip(client, org_sso, provider, "trainee@demo.uptake", follow=True)
    person = user_by_email("trainee@demo.uptake")
    assert response.status_code == 200 and response.request.path == "/me/"
    assert person.name in response.get_data(as_text=True)  # the trainee's own home
    assert person.last_sign_in_at is not None and person.has_password  # their password is left as it was


def test_a_new_person_is_created_in_the_unit_their_claims_name(client, provider, org_sso, db):
    assert user_by_email("new.starter@demo.uptake") is None
    response = _round_trip(client, org_sso, provider, "new.starter@demo.uptake")
    assert response.status_code == 302
    person = user_by_email("new.starter@demo.uptake")
    assert person.role == "trainee" and person.name == "Nia Starter"
    assert person.business_unit.name == "Customer Service" and not person.awaiting_activation
    assert not person.has_password  # no password exists for the account: only the provider lets them in


def test_claims_in_the_id_token_are_read_without_the_userinfo_call(client, provider, org_sso, db):
    provider.claims_in_id_token = True
    assert _round_trip(client, org_sso, provider, "new.starter@demo.uptake").status_code == 302
    assert user_by_email("new.starter@demo.uptake").business_unit.name == "Customer Service"


def test_an_email_outside_the_allowed_domains_is_refused(client, provider, org_sso, db):
    provider.redirect_uris.append(CALLBACK)
    response = _round_trip(client, org_sso, provider, "someone@elsewhere.example")
    assert response.status_code == 403
    assert "@elsewhere.example address cannot sign in" in response.get_data(as_text=True)
    assert user_by_email("someone@elsewhere.example") is None
    assert client.get("/me/").status_code == 302  # not signed in


def test_without_provisioning_a_stranger_is_refused_and_nothing_is_created(client, provider, org_sso, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    settings = sso.settings_of(org_sso)
    settings.provision = False
    sso.update_settings(admin, settings)
    response = _round_trip(client, org_sso, provider, "new.starter@demo.uptake")
    assert response.status_code == 403 and "Ask your Uptake admin to add you" in response.get_data(as_text=True)
    assert user_by_email("new.starter@demo.uptake") is None


@pytest.mark.parametrize("tamper, reason", [
    (signed_with_unpublished_key, "InvalidKeyIdError"),
    (for_issuer("https://impostor.example"), "iss"),
    (for_audience("another-client"), "azp"),  # issued to another client: our client id is not its audience
    (expired, "exp"),
    (with_nonce("a-nonce-from-another-sign-in"), "nonce"),
])
def test_an_id_token_that_fails_verification_signs_nobody_in(client, provider, org_sso, db, tamper, reason):
    provider.tamper = tamper
    response = _round_trip(client, org_sso, provider, "trainee@demo.uptake")
    assert response.status_code == 401
    assert "failed verification" in response.get_data(as_text=True)
    assert client.get("/me/").status_code == 302
    assert reason in _last_failure(db)


def test_a_wrong_state_is_refused(client, provider, org_sso, db):
    start = client.get(f"/auth/sso/{org_sso}")
    provider.sign_in_as = "trainee@demo.uptake"
    back = urlsplit(requests.get(start.location, allow_redirects=False, timeout=10, verify=provider.ca_bundle).headers["Location"])
    query = parse_qs(back.query)
    response = client.get(f"{back.path}?code={query['code'][0]}&state=forged-state")
    assert response.status_code == 400 and "Start again" in response.get_data(as_text=True)
    assert client.get("/me/").status_code == 302
    assert "mismatching_state" in _last_failure(db)


def test_a_callback_nobody_started_is_refused(client, provider, org_sso, db):
    response = client.get("/auth/sso/callback?code=abc&state=xyz")
    assert response.status_code == 400 and "not started from this browser" in response.get_data(as_text=True)


def test_an_unreachable_provider_is_a_clear_message(client, demo, db):
    from tests.services.test_messages import free_port

    admin = user_by_email(DEMO_EMAILS["admin"])
    sso.forget_clients()
    sso.update_settings(admin, sso.SsoSettings(
        enabled=True, discovery_url=f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration",
        client_id="x", client_secret="y", allowed_domains="demo.uptake"))
    response = client.get(f"/auth/sso/{admin.organisation_id}")
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)
    sso.forget_clients()


def test_sso_only_turns_off_passwords_for_everyone_but_admins(client, provider, org_sso, db):
    admin = user_by_email(DEMO_EMAILS["admin"])
    settings = sso.settings_of(org_sso)
    settings.sso_only = True
    sso.update_settings(admin, settings)
    refused = sign_in(client, DEMO_EMAILS["trainee"])
    assert refused.status_code == 403 and "single sign-on" in refused.get_data(as_text=True)
    assert client.get("/me/").status_code == 302
    # the way in stays open for the admin (a broken provider must not lock the organisation out)
    assert sign_in(client, DEMO_EMAILS["admin"]).status_code == 302
    client.post("/auth/sign-out")
    # nor can a trainee get a password back through a reset link
    from app.models import Invitation
    from sqlalchemy import func, select

    before = db.session.scalar(select(func.count(Invitation.id)))
    client.post("/auth/forgot", data={"email": DEMO_EMAILS["trainee"]})
    assert db.session.scalar(select(func.count(Invitation.id))) == before
    # and the provider still signs them in
    assert _round_trip(client, org_sso, provider, "trainee@demo.uptake").status_code == 302


def test_a_deactivated_person_is_refused_by_single_sign_on_too(client, provider, org_sso, db):
    person = user_by_email("trainee@demo.uptake")
    person.active = False
    db.session.commit()
    response = _round_trip(client, org_sso, provider, "trainee@demo.uptake")
    assert response.status_code == 403 and "deactivated" in response.get_data(as_text=True)
    assert db.session.get(User, person.id).active is False


def test_an_admin_sets_up_single_sign_on_on_the_sign_in_settings_page(client, login_as, db):
    from sqlalchemy import select

    from tests.helpers import post_form

    login_as("admin")
    page = client.get("/admin/sign-in")
    assert page.status_code == 200 and "/auth/sso/callback" in page.get_data(as_text=True)
    form = {"enabled": "on", "discovery_url": "https://login.example.com/.well-known/openid-configuration",
            "client_id": "uptake", "client_secret": "s3cret-from-the-provider", "allowed_domains": "demo.uptake\n@Example.COM",
            "provision": "on", "unit_claim": "department"}
    bad = post_form(client, "/admin/sign-in", "/admin/sign-in", {**form, "allowed_domains": "not a domain!"})
    assert bad.status_code == 422 and "is not an email domain" in bad.get_data(as_text=True)
    assert "login.example.com" in bad.get_data(as_text=True)  # what was typed is kept
    assert sso.config_of(user_by_email(DEMO_EMAILS["admin"]).organisation_id) is None  # nothing half-saved
    saved = post_form(client, "/admin/sign-in", "/admin/sign-in", form, follow_redirects=True)
    body = saved.get_data(as_text=True)
    assert "Sign-in settings saved" in body and "s3cret-from-the-provider" not in body
    config = sso.config_of(user_by_email(DEMO_EMAILS["admin"]).organisation_id)
    assert config.allowed_domains.split("\n") == ["demo.uptake", "example.com"]
    assert "s3cret" not in config.client_secret_sealed  # stored encrypted
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "sso.settings_updated"))
    assert "changed" in str(detail) and "s3cret" not in str(detail)
    # saving again without typing the secret keeps it
    post_form(client, "/admin/sign-in", "/admin/sign-in", {**form, "client_secret": ""})
    db.session.expire_all()
    assert sso.config_of(config.organisation_id).client_secret_sealed == config.client_secret_sealed
    # passwords off needs single sign-on on
    off = post_form(client, "/admin/sign-in", "/admin/sign-in", {"sso_only": "on", "allowed_domains": "demo.uptake"})
    assert off.status_code == 422 and "only while single sign-on is on" in off.get_data(as_text=True)


def test_only_admins_reach_the_sign_in_settings(client, login_as):
    login_as("trainer")
    assert client.get("/admin/sign-in").status_code == 403
