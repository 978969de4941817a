"""Role × page × owner: every page checks access on the server.

Wrong role → 403; a record outside the viewer's reach → 404; not signed in → sign-in page.
"""
import pytest
from sqlalchemy import select

from app.models import BusinessUnit
from tests.helpers import DEMO_EMAILS, add_other_organisation, sign_in, user_by_email


def _refs(db):
    trainee = user_by_email("trainee@demo.uptake")
    other_unit = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == "Customer Service"))
    return {
        "own_unit": trainee.business_unit_id,
        "other_unit": other_unit.id,
        "own_trainee": trainee.id,
        "colleague": next(m.id for m in trainee.business_unit.members if m.id != trainee.id),
        "other_unit_trainee": other_unit.members[0].id,
        "missing": 987654,
    }


PAGES = [
    # url template, expected status for anon / trainee / trainer / admin
    ("/me/", (302, 200, 403, 403)),
    ("/trainer/", (302, 403, 200, 200)),
    ("/trainer/units/{own_unit}", (302, 403, 200, 200)),
    ("/trainer/units/{other_unit}", (302, 403, 404, 200)),
    ("/trainer/units/{missing}", (302, 403, 404, 404)),
    ("/trainer/people/{own_trainee}", (302, 403, 200, 200)),
    ("/trainer/people/{colleague}", (302, 403, 200, 200)),
    ("/trainer/people/{other_unit_trainee}", (302, 403, 404, 200)),
    ("/trainer/people/{missing}", (302, 403, 404, 404)),
    ("/admin/", (302, 403, 403, 200)),
    ("/admin/users", (302, 403, 403, 200)),
    ("/admin/users/new", (302, 403, 403, 200)),
    ("/admin/users/{own_trainee}/edit", (302, 403, 403, 200)),
    ("/admin/users/{missing}/edit", (302, 403, 403, 404)),
    ("/admin/units", (302, 403, 403, 200)),
    ("/admin/units/new", (302, 403, 403, 200)),
    ("/admin/units/{own_unit}/edit", (302, 403, 403, 200)),
    ("/admin/job-roles", (302, 403, 403, 200)),
    ("/admin/skills", (302, 403, 403, 200)),
    ("/admin/skills/new", (302, 403, 403, 200)),
    ("/admin/users/import", (302, 403, 403, 200)),
    ("/admin/audit", (302, 403, 403, 200)),
    ("/admin/organisation", (302, 403, 403, 200)),
    ("/admin/messages", (302, 403, 403, 200)),
    ("/admin/model", (302, 403, 403, 200)),
    ("/admin/messages/{missing}", (302, 403, 403, 404)),
    ("/trainer/content", (302, 403, 200, 200)),
    ("/trainer/content/imports/new", (302, 403, 200, 200)),
    ("/trainer/questions", (302, 403, 200, 200)),
    ("/trainer/tests/new", (302, 403, 200, 200)),
    ("/me/path", (302, 200, 403, 403)),
    ("/me/modules/el-pipeline", (302, 200, 403, 403)),
    ("/trainer/units/{own_unit}/assign", (302, 403, 200, 200)),
    ("/trainer/units/{other_unit}/assign", (302, 403, 404, 200)),
    ("/trainer/units/{own_unit}/sessions.ics", (302, 403, 200, 200)),
    ("/trainer/people/{other_unit_trainee}/exercises/{missing}", (302, 403, 404, 404)),
]
VIEWERS = ("anon", "trainee", "trainer", "admin")
CASES = [(url, viewer, statuses[i]) for url, statuses in PAGES for i, viewer in enumerate(VIEWERS)]


@pytest.mark.parametrize("url, viewer, expected", CASES, ids=[f"{v}:{u}" for u, v, _ in CASES])
def test_page_access(client, demo, db, url, viewer, expected):
    refs = _refs(db)
    if viewer != "anon":
        sign_in(client, DEMO_EMAILS[viewer])
    response = client.get(url.format(**refs))
    assert response.status_code == expected
    if expected == 302:
        assert "/auth/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("viewer", ["trainee", "trainer"])
def test_state_changing_admin_actions_are_refused_for_other_roles(client, demo, db, viewer):
    from tests.helpers import csrf_from

    sign_in(client, DEMO_EMAILS[viewer])
    target = user_by_email("trainee@demo.uptake") if viewer == "trainer" else user_by_email("admin@demo.uptake")
    token = csrf_from(client.get("/me/" if viewer == "trainee" else "/trainer/"))
    response = client.post(f"/admin/users/{target.id}/active/off", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert user_by_email(target.email).active


def test_admin_of_another_organisation_cannot_reach_demo_records(client, demo, db):
    add_other_organisation(db)
    refs = _refs(db)
    sign_in(client, "admin@other.example", "other-admin-password")
    for url in ("/admin/users/{own_trainee}/edit", "/trainer/people/{own_trainee}", "/trainer/units/{own_unit}",
                "/admin/units/{own_unit}/edit"):
        assert client.get(url.format(**refs)).status_code == 404, url
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "trainee@demo.uptake" not in listing


# sso_start and sso_callback: reached before sign-in by definition (tests/routes/test_sso_routes.py)
PUBLIC = {"main.index", "main.healthz", "auth.sign_in", "auth.activate", "auth.setup", "auth.reminders", "auth.forgot", "auth.reset", "auth.sso_start", "auth.sso_callback", "static", "api.openapi"}


def test_every_route_refuses_anonymous_visitors(app, demo):
    """Walks the whole URL map: anything not explicitly public sends an anonymous visitor to sign in
    (pages) or answers 401 (API); none answers 200."""
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        values = {arg: ("x" if arg in ("key", "obj", "rid", "module_id", "item_key", "token", "kind", "state", "op",
                                       "action") else 1) for arg in rule.arguments}
        if "kind" in rule.arguments:
            values["kind"] = "units"
        if "state" in rule.arguments:
            values["state"] = "on"
        try:
            with app.test_request_context():
                url = app.url_for(rule.endpoint, **values)
        except Exception:  # converters that refuse these placeholder values
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401, 400), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/auth/sign-in" in response.headers["Location"], (method, url)
            checked += 1
    assert checked > 60


AUDIENCE = {"trainee": "trainee", "sim": "trainee", "trainer": ("trainer", "admin"), "admin": "admin"}


def _placeholder_url(app, rule):
    values = {arg: ("x" if arg in ("key", "obj", "rid", "module_id", "item_key", "token", "op", "action", "which")
                    else 1) for arg in rule.arguments}
    values.update({k: v for k, v in (("kind", "units"), ("state", "on"), ("op", "delete"), ("which", "users"))
                   if k in rule.arguments})
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


@pytest.mark.parametrize("viewer", ["trainee", "trainer", "admin"])
def test_every_route_of_another_audience_is_forbidden(app, demo, viewer):
    """Role × route over the whole URL map: each blueprint serves its audience only."""
    from tests.helpers import csrf_from

    client = app.test_client()
    sign_in(client, DEMO_EMAILS[viewer])
    token = csrf_from(client.get({"trainee": "/me/", "trainer": "/trainer/", "admin": "/admin/"}[viewer]))
    checked = 0
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        audience = AUDIENCE.get(blueprint)
        if audience is None or viewer in (audience if isinstance(audience, tuple) else (audience,)):
            continue
        try:
            url = _placeholder_url(app, rule)
        except Exception:  # a converter that refuses the placeholder values
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (viewer, method, url, response.status_code)
            checked += 1
    assert checked > 20
