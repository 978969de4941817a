"""Sign-in through the organisation's identity provider (OpenID Connect, authorization-code flow).

Authlib does the protocol: discovery, the state and nonce it keeps in the session, the code
exchange, and the ID token's signature (the provider's published keys), issuer, audience, expiry
and nonce. This module holds what is Uptake's: each organisation's settings (the client secret
sealed with a key derived from SECRET_KEY), which emails may come in, and who a new person becomes.
"""
from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import BusinessUnit, JobRole, Organisation, SsoConfig, User
from app.models.people import NO_PASSWORD_SSO
from app.models.types import utcnow
from app.services import audit
from app.services.errors import ServiceError, ValidationFailed
from app.services.people import normalise_email

SCOPE = "openid email profile"
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
METADATA_SECONDS = 3600  # the provider's discovery document and keys are fetched again after an hour


class SsoRefused(ServiceError):
    """The provider signed someone in, but Uptake will not let them in (the message says why)."""


@dataclass
class SsoSettings:
    """What an admin sets on Admin → Sign-in. An empty client_secret keeps the stored one."""

    enabled: bool = False
    discovery_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    allowed_domains: str = ""
    provision: bool = True
    default_unit_id: int | None = None
    default_job_role_id: int | None = None
    unit_claim: str = ""
    job_role_claim: str = ""
    sso_only: bool = False


# --- the client secret at rest ---------------------------------------------------------------------
def _fernet():
    from cryptography.fernet import Fernet
    from flask import current_app

    digest = hashlib.sha256(("uptake-sso:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _unseal(sealed: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SsoRefused("Single sign-on cannot be used until an admin enters the client secret again "
                         "(the app's secret key has changed).") from None


# --- settings ----------------------------------------------------------------------------------------
def config_of(organisation_id: int) -> SsoConfig | None:
    return db.session.get(SsoConfig, organisation_id)


def settings_of(organisation_id: int) -> SsoSettings:
    config = config_of(organisation_id)
    if config is None:
        return SsoSettings()
    return SsoSettings(enabled=config.enabled, discovery_url=config.discovery_url, client_id=config.client_id,
                       allowed_domains=config.allowed_domains, provision=config.provision,
                       default_unit_id=config.default_unit_id, default_job_role_id=config.default_job_role_id,
                       unit_claim=config.unit_claim, job_role_claim=config.job_role_claim, sso_only=config.sso_only)


def _domains(raw: str) -> list[str]:
    found = []
    for part in re.split(r"[\s,;]+", (raw or "").strip().lower()):
        if not part:
            continue
        part = part.lstrip("@")
        if not DOMAIN.match(part):
            raise ValidationFailed(f"{part[:80]} is not an email domain (write it as example.com).",
                                   field="allowed_domains")
        if part not in found:
            found.append(part)
    return found


def _discovery_url(raw: str) -> str:
    url = (raw or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationFailed("Enter the provider's discovery URL, such as "
                               "https://login.example.com/.well-known/openid-configuration.", field="discovery_url")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ValidationFailed("The discovery URL must use https (plain http only on this machine, for testing).",
                               field="discovery_url")
    if len(url) > 500:
        raise ValidationFailed("The discovery URL is too long (500 characters at most).", field="discovery_url")
    return url


def _owned(model, organisation_id: int, raw, field: str, label: str):
    if raw in (None, ""):
        return None
    try:
        found = db.session.get(model, int(raw))
    except (TypeError, ValueError):
        found = None
    if found is None or found.organisation_id != organisation_id:
        raise ValidationFailed(f"Choose a {label} of your organisation.", field=field)
    return found.id


def update_settings(actor: User, settings: SsoSettings) -> SsoConfig:
    """Check and save the organisation's single sign-on; the audit log records what changed
    (for the secret, only that it changed)."""
    org_id = actor.organisation_id
    config = config_of(org_id)
    domains = _domains(settings.allowed_domains)
    for field, label in (("unit_claim", "unit"), ("job_role_claim", "job role")):
        value = (getattr(settings, field) or "").strip()
        if value and not CLAIM_NAME.match(value):
            raise ValidationFailed(f"The {label} claim is a claim name such as department (letters, digits, _ . : / -).",
                                   field=field)
    unit_id = _owned(BusinessUnit, org_id, settings.default_unit_id, "default_unit_id", "business unit")
    role_id = _owned(JobRole, org_id, settings.default_job_role_id, "default_job_role_id", "job role")
    secret = (settings.client_secret or "").strip()
    client_id = (settings.client_id or "").strip()
    discovery = (settings.discovery_url or "").strip()
    if settings.enabled or discovery:
        discovery = _discovery_url(discovery)
    if settings.enabled:
        if not client_id:
            raise ValidationFailed("Enter the client ID the provider gave you.", field="client_id")
        if not secret and not (config and config.client_secret_sealed):
            raise ValidationFailed("Enter the client secret the provider gave you.", field="client_secret")
        if not domains:
            raise ValidationFailed("List at least one email domain whose people may sign in (example.com).",
                                   field="allowed_domains")
    if settings.sso_only and not settings.enabled:
        raise ValidationFailed("Passwords can be turned off only while single sign-on is on.", field="sso_only")
    if len(client_id) > 255:
        raise ValidationFailed("The client ID is too long (255 characters at most).", field="client_id")
    if config is None:
        config = SsoConfig(organisation_id=org_id, client_secret_sealed="")  # nosec B106 - none yet
        db.session.add(config)
    before = settings_of(org_id)
    config.enabled = bool(settings.enabled)
    config.discovery_url = discovery
    config.client_id = client_id
    if secret:
        config.client_secret_sealed = _seal(secret)
    config.allowed_domains = "\n".join(domains)
    config.provision = bool(settings.provision)
    config.default_unit_id = unit_id
    config.default_job_role_id = role_id
    config.unit_claim = (settings.unit_claim or "").strip()
    config.job_role_claim = (settings.job_role_claim or "").strip()
    config.sso_only = bool(settings.sso_only)
    db.session.commit()
    after = settings_of(org_id)
    changes = {key: [getattr(before, key), getattr(after, key)] for key in vars(after)
               if key != "client_secret" and getattr(before, key) != getattr(after, key)}
    if secret:
        changes["client_secret"] = "changed"  # nosec B105 - the audit says only that it changed
    if changes:
        audit.record("sso.settings_updated", target=actor.organisation.name, detail=changes, actor=actor)
    _CLIENTS.pop(org_id, None)
    return config


def sign_in_options() -> list[tuple[int, str]]:
    """(organisation id, name) of every organisation whose people can sign in through their provider."""
    rows = db.session.execute(select(Organisation.id, Organisation.name).join(
        SsoConfig, SsoConfig.organisation_id == Organisation.id).where(SsoConfig.enabled.is_(True))
        .order_by(Organisation.name)).all()
    return [(row.id, row.name) for row in rows]


def password_allowed(user: User) -> bool:
    """False for a non-admin of an organisation that signs in only through its provider. Admins keep
    their password: the way back in when the provider is down or misconfigured."""
    if user.role == "admin":
        return True
    config = config_of(user.organisation_id)
    return not (config and config.enabled and config.sso_only)


# --- the protocol (Authlib) -------------------------------------------------------------------------
_CLIENTS: dict[int, tuple[tuple, float, object]] = {}
_CLIENTS_LOCK = threading.Lock()


def _client_class():
    """Authlib's Flask client whose HTTP session trusts SSO_CA_BUNDLE even where REQUESTS_CA_BUNDLE
    is set (requests lets the environment override a session's own `verify`)."""
    from authlib.integrations.flask_client import FlaskOAuth2App
    from authlib.integrations.requests_client import OAuth2Session

    class Session(OAuth2Session):
        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if isinstance(self.verify, str) and verify in (None, True):
                settings["verify"] = self.verify
            return settings

    class App(FlaskOAuth2App):
        client_cls = Session

    return App


def client_for(config: SsoConfig):
    """Authlib's OAuth 2 / OpenID Connect client for this organisation, kept between sign-ins so the
    discovery document and keys are not fetched every time (again after an hour, or at once when
    the provider signs with a key Uptake has not seen)."""
    from authlib.integrations.flask_client import FlaskIntegration
    from flask import current_app

    trusted = current_app.config.get("SSO_CA_BUNDLE") or None  # a private CA's certificates, if any
    fingerprint = (config.discovery_url, config.client_id, config.client_secret_sealed, trusted)
    with _CLIENTS_LOCK:
        cached = _CLIENTS.get(config.organisation_id)
        if cached and cached[0] == fingerprint and time.monotonic() - cached[1] < METADATA_SECONDS:
            return cached[2]
        name = f"org{config.organisation_id}"
        client = _client_class()(FlaskIntegration(name), name=name, client_id=config.client_id,
                                client_secret=_unseal(config.client_secret_sealed),
                                server_metadata_url=config.discovery_url,
                                client_kwargs={"scope": SCOPE, "default_timeout": 10,
                                               **({"verify": trusted} if trusted else {})})
        _CLIENTS[config.organisation_id] = (fingerprint, time.monotonic(), client)
        return client


def forget_clients() -> None:
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


def with_userinfo(id_claims: dict, userinfo: dict) -> dict:
    """The ID token's claims completed from the userinfo endpoint, which must speak of the same
    subject (OpenID Connect Core 5.3.2); what the signed ID token says wins."""
    if userinfo.get("sub") != id_claims.get("sub"):
        raise SsoRefused("Your identity provider's profile is for someone else than its sign-in, so you are not "
                         "signed in. Tell your Uptake admin.")
    return {**userinfo, **id_claims}


# --- who comes in ---------------------------------------------------------------------------------------
def _named(model, organisation_id: int, claims: dict, claim: str):
    """The unit or job role a claim names (case-insensitive), or None."""
    if not claim:
        return None
    value = claims.get(claim)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    return db.session.scalar(select(model).where(
        model.organisation_id == organisation_id, func.lower(model.name) == value.strip().lower(),
        model.active.is_(True)))


def person_for(config: SsoConfig, claims: dict) -> User:
    """The Uptake account for a person the provider has signed in (claims from the verified ID
    token). Refused: no usable email, an email the provider has not verified, a domain outside the
    allowed list, a deactivated account, an account in another organisation, or nobody with this
    email while new people are not created. A new person is a trainee in the unit and job role the
    claims name, or else the defaults."""
    org_id = config.organisation_id
    raw_email = claims.get("email")
    if not isinstance(raw_email, str) or not raw_email.strip():
        raise SsoRefused("Your identity provider did not send an email address, so Uptake cannot tell who you are.")
    try:
        email = normalise_email(raw_email)
    except ValidationFailed:
        raise SsoRefused("Your identity provider sent an email address Uptake cannot use.") from None
    if claims.get("email_verified") is False:
        raise SsoRefused("Your identity provider has not verified your email address.")
    domain = email.rsplit("@", 1)[1]
    if domain not in config.allowed_domains.split("\n"):
        raise SsoRefused(f"People with an @{domain} address cannot sign in to this organisation through single "
                         "sign-on. Ask your Uptake admin to add the domain.")
    person = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if person is not None:
        if person.organisation_id != org_id:
            raise SsoRefused("This email address belongs to an account in another organisation.")
        if not person.active:
            raise SsoRefused("Your Uptake account is deactivated. Ask your Uptake admin.")
        if person.awaiting_activation:  # the provider vouched for them: no activation link is needed
            person.password_hash = NO_PASSWORD_SSO
        person.last_sign_in_at = utcnow()
        db.session.commit()
        return person
    if not config.provision:
        raise SsoRefused("You do not have an Uptake account yet. Ask your Uptake admin to add you.")
    unit = _named(BusinessUnit, org_id, claims, config.unit_claim)
    role = _named(JobRole, org_id, claims, config.job_role_claim)
    name = claims.get("name") or " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip()
    name = re.sub(r"\s+", " ", str(name or email.split("@")[0]))[:120]
    person = User(organisation_id=org_id, email=email, name=name, role="trainee", active=True, session_version=1,
                  password_hash=NO_PASSWORD_SSO, last_sign_in_at=utcnow(),
                  business_unit_id=unit.id if unit else config.default_unit_id,
                  job_role_id=role.id if role else config.default_job_role_id)
    db.session.add(person)
    db.session.commit()
    audit.record("user.provisioned", target=email, actor=person, organisation_id=org_id,
                 detail={"unit": unit.name if unit else "default", "job_role": role.name if role else "default"})
    return person
