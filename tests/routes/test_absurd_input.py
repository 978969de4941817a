"""Absurd input never reaches the database as a crash: every route with a parameter, asked by every
role with an id beyond the database's integer range, a negative one, or a string that names nothing,
answers 4xx (never 500); so do page numbers and filters in the query string."""
import pytest

from tests.helpers import DEMO_EMAILS, sign_in

HUGE = "99999999999999999999"


def _urls(app, value: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments or rule.endpoint == "static":
            continue
        path = rule.rule
        for name in rule.arguments:
            converter = rule._converters[name].__class__.__name__
            filled = value if converter.endswith("IntegerConverter") or value.isdigit() else f"no-such-{name}"
            for pattern in (f"<int:{name}>", f"<{name}>", f"<string:{name}>", f"<path:{name}>"):
                path = path.replace(pattern, filled)
        urls.append(path)
    return sorted(set(urls))


@pytest.mark.parametrize("viewer", ["trainee", "trainer", "admin"])
def test_ids_beyond_the_integer_range_or_naming_nothing_are_4xx(app, client, demo, viewer):
    sign_in(client, DEMO_EMAILS[viewer])
    crashes = []
    for value in (HUGE, "not-a-thing"):
        for url in _urls(app, value):
            status = client.get(url).status_code
            if status >= 500:
                crashes.append(f"{url} → {status}")
    assert not crashes, "\n".join(crashes)


@pytest.mark.parametrize("query", [f"page={HUGE}", "page=-3", "page=0", f"unit={HUGE}", f"role={HUGE}",
                                   "unit=-1", "page=abc"])
def test_query_numbers_beyond_range_are_read_as_absent_or_refused(app, demo, query):
    crashes = []
    for viewer, urls in {"admin": ["/admin/users", "/admin/audit", "/admin/objectives", "/admin/users.csv"],
                         "trainer": ["/trainer/", "/trainer/gaps?skill=opportunity-pipeline", "/trainer/gaps.csv?skill=opportunity-pipeline", "/trainer/analytics"]}.items():
        client = app.test_client()
        sign_in(client, DEMO_EMAILS[viewer])
        for url in urls:
            status = client.get(f"{url}?{query}").status_code
            if status >= 500:
                crashes.append(f"{viewer} {url}?{query} → {status}")
    assert not crashes, "\n".join(crashes)


def test_unknown_sandbox_objects_records_and_operations_are_404(client, demo, login_as):
    from tests.helpers import post_form
    from tests.routes.test_sim_routes import start

    login_as("trainee")
    attempt_id = start(client)
    base = f"/me/sim/{attempt_id}"
    crashes = []
    for url in (f"{base}/list/spaceship", f"{base}/rec/spaceship/1", f"{base}/rec/opportunity/{HUGE}",
                f"{base}/rec/opportunity/no-such-record", f"{base}/new/spaceship", f"{base}/search?q=" + "x" * 5000,
                f"{base}/list/opportunity?sort=nonsense&dir=sideways&page={HUGE}", f"{base}/reports?object=spaceship"):
        status = client.get(url).status_code
        if status >= 500 or status == 200 and "spaceship" in url and "reports" not in url:
            crashes.append(f"GET {url} → {status}")
    listing = f"{base}/list/opportunity"
    for action, data in ((f"{base}/rec/opportunity/no-such-record", {"f_stage": "Negotiation"}),
                         (f"{base}/rec/spaceship/1/delete", {}), (f"{base}/rec/opportunity/no-such/merge", {"other": "x"}),
                         (f"{base}/new/opportunity", {"f_amount": HUGE * 20, "f_close_date": "9999-99-99"}),
                         (f"{base}/members", {"campaign": "nope", "contact": HUGE}),
                         (f"{base}/reports", {"object": "spaceship", "group_by": "nothing"})):
        status = post_form(client, listing, action, data).status_code
        if status >= 500:
            crashes.append(f"POST {action} → {status}")
    assert not crashes, "\n".join(crashes)


def test_malformed_admin_and_trainer_forms_are_refused_with_a_message(client, demo, login_as, db):
    from sqlalchemy import func, select

    from app.models import Objective
    from tests.helpers import post_form

    login_as("admin")
    before = db.session.scalar(select(func.count(Objective.id)))
    crashes = []
    for data in ({}, {"role": HUGE}, {"role": "abc", "skill_nope": "3"}, {"target-abc": "80"},
                 {"target-999999": "80", "weight-999999": "50"}, {f"target-{HUGE}": "80"}):
        response = post_form(client, "/admin/objectives", "/admin/objectives", data)
        page = response.get_data(as_text=True)
        if response.status_code != 422 or "nothing was changed" not in page:
            crashes.append(f"objectives {data} → {response.status_code}")
    assert not crashes, "\n".join(crashes)
    assert db.session.scalar(select(func.count(Objective.id))) == before  # an empty form deleted nothing
