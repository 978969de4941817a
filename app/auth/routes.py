from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import SignInForm, SignOutForm
from app.authz import home_url_for
from app.extensions import db
from app.services import audit, organisations
from app.services.auth import authenticate, end_all_sessions, find_user_by_email


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _start_session(user) -> None:
    session.clear()  # no state from before sign-in survives it
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = datetime.now(timezone.utc).timestamp()  # the absolute lifetime counts from here


def _first_run() -> bool:
    """No organisation yet; False when the database cannot say (the form still shows, and signing
    in answers with the clear "briefly unavailable" error)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return organisations.needs_setup()
    except SQLAlchemyError:
        db.session.rollback()
        return False


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    if request.method == "GET" and _first_run():
        return redirect(url_for("auth.setup"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data
        account = find_user_by_email(email)
        account_org = account.organisation_id if account else None
        attempt = audit.sign_in_attempt(email)
        if attempt is None:
            audit.record("sign_in.throttled", target=email[:255], organisation_id=account_org)
            flash("Too many sign-in attempts. Wait 15 minutes and try again.", "error")
            return render_template("auth/sign_in.html", form=form, sso_options=_sso_options()), 429
        user = authenticate(email, form.password.data)
        if user is None:
            audit.record("sign_in.failure", target=email[:255], organisation_id=account_org)
            flash("The email or password is not right, or the account is not active.", "error")
            return render_template("auth/sign_in.html", form=form, sso_options=_sso_options()), 401
        audit.sign_in_succeeded(email, attempt)
        from app.services.sso import password_allowed

        if not password_allowed(user):
            audit.record("sign_in.password_refused", target=user.email, organisation_id=user.organisation_id)
            flash("Your organisation signs in through single sign-on: use the button below.", "error")
            return render_template("auth/sign_in.html", form=form, sso_options=_sso_options()), 403
        audit.record("sign_in.success", target=user.email, actor=user)
        next_url = _safe_next(request.args.get("next"))
        _start_session(user)
        return redirect(next_url or home_url_for(user))
    status = 400 if form.errors else 200
    return render_template("auth/sign_in.html", form=form, sso_options=_sso_options()), status


@bp.post("/sign-out")
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        end_all_sessions(current_user)
        db.session.commit()
        audit.record("sign_out", target=current_user.email)
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.sign_in"))


def _password_from_link(link, action: str, done: str, **page):
    """The page behind a one-time link (activation or reset): choose a password, then sign in."""
    from app.models import User
    from app.services.errors import ServiceError
    from app.services.user_import import set_password_from

    person = db.session.get(User, link.user_id)
    error = None
    if request.method == "POST":
        try:
            set_password_from(link, request.form.get("password", ""), action)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            flash(done, "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", name=person.name, error=error, **page), (422 if error else 200)


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    from app.services import user_import

    link = user_import.invitation_for(token)  # NotFound → 404 for used, expired or unknown links
    return _password_from_link(link, "user.activated_account", "Your account is active. Sign in with your new password.",
                               title="Set your password", heading="Welcome to Uptake",
                               intro="Choose a password to activate your account (at least 12 characters).",
                               button="Activate my account")


SETUP_FIELDS = ("name", "time_zone", "admin_name", "admin_email", "password")


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """The first-run page: open only while no organisation exists; creates the organisation and its
    first admin, who is signed in at once."""
    from app.services.errors import ServiceError

    if not organisations.needs_setup():
        return redirect(url_for("auth.sign_in"))
    values = {"time_zone": "UTC", **{k: request.form.get(k, "") for k in SETUP_FIELDS if k in request.form}}
    errors: dict[str, str] = {}
    if request.method == "POST":
        settings = organisations.Settings(values.get("name", ""), values.get("time_zone", ""))
        try:
            if values.get("password", "") != request.form.get("password_again", ""):
                from app.services.errors import ValidationFailed

                raise ValidationFailed("The two passwords differ; type the same password twice.", field="password")
            _, admin = organisations.create_organisation(settings, values.get("admin_email", ""),
                                                          values.get("admin_name", ""), values.get("password", ""),
                                                          first_run=True)
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = error.message
        else:
            _start_session(admin)
            flash("Uptake is ready. Add your business units, job roles and people next.", "success")
            return redirect(url_for("admin.home"))
    values.pop("password", None)
    return render_template("auth/setup.html", values=values, errors=errors,
                           zones=organisations.time_zone_names()), (422 if errors else 200)


@bp.route("/reminders/<token>", methods=["GET", "POST"])
def reminders(token: str):
    """The link in every reminder: turn reminder emails off (or back on) without signing in."""
    from flask import abort

    from app.services import notices

    person = notices.user_from_token(token)
    if person is None:
        abort(404)
    if request.method == "POST":
        on = request.form.get("reminders") == "on"
        notices.set_reminders(person, on)
        flash("Reminder emails are on again." if on else "You will get no more reminder emails.", "success")
        return redirect(url_for("auth.reminders", token=token))
    return render_template("auth/reminders.html", person=person)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a password-reset link; the answer is the same whether or not the address has an account."""
    from app.services import password_reset

    sent = False
    if request.method == "POST":
        password_reset.request_reset(request.form.get("email", ""), request.host_url)
        sent = True
    return render_template("auth/forgot.html", sent=sent)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    from app.services import password_reset

    link = password_reset.link_for(token)  # NotFound → 404 for used, replaced, expired or unknown links
    return _password_from_link(link, "user.password_reset", "Your password is changed. Sign in with the new one.",
                               title="Choose a new password", heading="Choose a new password",
                               intro="At least 12 characters. Every device signed in to your account is signed out.",
                               button="Change my password")


# --- single sign-on (OpenID Connect) -------------------------------------------------------------------
def _sso_options() -> list[tuple[int, str]]:
    from sqlalchemy.exc import SQLAlchemyError

    from app.services import sso

    try:
        return sso.sign_in_options()
    except SQLAlchemyError:
        db.session.rollback()
        return []


def _sso_failed(message: str, reason: str, organisation_id: int | None, status: int = 401):
    audit.record("sign_in.sso_failure", target=reason[:255], organisation_id=organisation_id)
    flash(message, "error")
    return render_template("auth/sign_in.html", form=SignInForm(formdata=None), sso_options=_sso_options()), status


@bp.get("/sso/<int:organisation_id>")
def sso_start(organisation_id: int):
    """Off to the organisation's identity provider; Authlib keeps the state and nonce in the session."""
    from flask import abort, current_app

    from app.services import sso

    config = sso.config_of(organisation_id)
    if config is None or not config.enabled:
        abort(404)
    session["sso_organisation"] = organisation_id
    session["sso_next"] = _safe_next(request.args.get("next"))
    try:
        return sso.client_for(config).authorize_redirect(url_for("auth.sso_callback", _external=True))
    except sso.SsoRefused as refused:
        return _sso_failed(refused.message, "unsealable secret", organisation_id, 503)
    except Exception as error:  # the provider unreachable or its discovery document unusable
        current_app.logger.warning("single sign-on: provider of organisation %s unusable: %r", organisation_id, error)
        return _sso_failed("Your organisation's identity provider cannot be reached just now. Try again in a "
                           "few minutes, or tell your Uptake admin if it keeps happening.",
                           f"provider unreachable: {type(error).__name__}", organisation_id, 503)


@bp.get("/sso/callback")
def sso_callback():
    """Back from the provider: Authlib checks the state, exchanges the code and verifies the ID token
    (signature against the provider's keys, issuer, audience, expiry, nonce); then Uptake decides
    who this is (`sso.person_for`)."""
    from authlib.integrations.base_client import OAuthError
    from flask import current_app
    from joserfc.errors import JoseError

    from app.services import sso

    organisation_id = session.get("sso_organisation")
    config = sso.config_of(organisation_id) if isinstance(organisation_id, int) else None
    if config is None or not config.enabled:
        return _sso_failed("This sign-in was not started from this browser, or it has expired. Start again.",
                           "no sign-in under way", None, 400)
    try:
        client = sso.client_for(config)
        token = client.authorize_access_token()
        if not token.get("userinfo"):
            raise sso.SsoRefused("Your identity provider did not send an ID token, so Uptake cannot tell who you are.")
        claims = dict(token["userinfo"])
        if "email" not in claims:  # many providers put the profile only behind the userinfo endpoint
            claims = sso.with_userinfo(claims, dict(client.userinfo(token=token)))
        person = sso.person_for(config, claims)
    except sso.SsoRefused as refused:
        return _sso_failed(refused.message, f"refused: {refused.message}", organisation_id, 403)
    except OAuthError as error:  # a state that does not match, or the provider's own error
        return _sso_failed("The sign-in could not be completed (it may have been started in another tab, or "
                           "the provider refused it). Start again.", f"oauth: {error.error} {error.description or ''}",
                           organisation_id, 400)
    except JoseError as error:  # the ID token's signature, issuer, audience, expiry or nonce is wrong
        return _sso_failed("The answer from your identity provider failed verification, so you are not signed "
                           "in. Tell your Uptake admin if it keeps happening.",
                           f"id token rejected: {type(error).__name__} {error}", organisation_id, 401)
    except Exception as error:
        current_app.logger.warning("single sign-on: callback for organisation %s failed: %r", organisation_id, error)
        return _sso_failed("Your organisation's identity provider cannot be reached just now. Try again in a "
                           "few minutes.", f"provider unreachable: {type(error).__name__}", organisation_id, 503)
    next_url = session.get("sso_next")
    audit.record("sign_in.success", target=person.email, actor=person, detail={"method": "single sign-on"})
    _start_session(person)
    return redirect(next_url or home_url_for(person))
