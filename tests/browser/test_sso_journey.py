"""An admin connects the company's identity provider (a real one: pyop, started by the test) and a
new starter signs in through it — their Uptake account is created on the way, in the unit their
provider names. Desktop and phone width; Uptake's screens checked."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS, assert_screen_ok, sign_in_through_form
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = pytest.mark.browser


@pytest.fixture(params=sorted(VIEWPORTS))
def sso_page(browser, request):
    """A page that trusts the test provider's self-signed certificate (as a company's browsers trust
    its own CA), recording console errors for assert_screen_ok."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    # the provider's own pages (https; it has no favicon) are not Uptake's screens
    page.on("console", lambda m: page.console_errors.append(m.text)
            if m.type == "error" and not (m.location or {}).get("url", "").startswith("https://") else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def test_a_new_starter_signs_in_through_the_company_identity_provider(sso_page, live_server, app, db,
                                                                       tmp_path_factory):
    from app.services import sso
    from tests.helpers import user_by_email

    page = sso_page
    sso.forget_clients()
    with running_provider(str(tmp_path_factory.getbasetemp())) as op:
        app.config["SSO_CA_BUNDLE"] = op.ca_bundle
        op.redirect_uris.append(f"{live_server}/auth/sso/callback")
        op.people["nia.starter@demo.uptake"] = {"email": "nia.starter@demo.uptake", "email_verified": True,
                                                "name": "Nia Starter", "department": "Customer Service"}
        try:
            sign_in_through_form(page, live_server, "admin@demo.uptake")
            page.get_by_role("link", name="Sign-in settings").click()
            assert_screen_ok(page, "sign-in settings")
            page.get_by_label("Single sign-on is on").check()
            page.get_by_label("Discovery URL").fill(f"{op.issuer}/.well-known/openid-configuration")
            page.get_by_label("Client ID").fill(CLIENT_ID)
            page.get_by_label("Client secret").fill(CLIENT_SECRET)
            page.get_by_label("Allowed email domains").fill("demo.uptake")
            page.get_by_label("Unit claim").fill("department")
            page.get_by_role("button", name="Save sign-in settings").click()
            expect(page.get_by_text("Sign-in settings saved")).to_be_visible()
            page.get_by_role("button", name="Sign out").click()

            page.get_by_role("link", name="single sign-on").click()
            expect(page.get_by_role("heading", name="Example identity provider")).to_be_visible()
            page.get_by_label("Work email").fill("nia.starter@demo.uptake")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="My learning")).to_be_visible()
            assert page.url.startswith(live_server)
            assert_screen_ok(page, "home after single sign-on")
            person = user_by_email("nia.starter@demo.uptake")
            assert person.business_unit.name == "Customer Service" and person.role == "trainee"
        finally:
            app.config["SSO_CA_BUNDLE"] = ""
            sso.forget_clients()
