from datetime import timedelta

from tests.helpers import csrf_from, sign_in


def test_each_role_lands_on_its_own_home(client, demo):
    for email, home, heading in [("trainee@demo.uptake", "/me/", "My learning"),
                                 ("trainer@demo.uptake", "/trainer/", "Skill gaps by business unit"),
                                 ("admin@demo.uptake", "/admin/", "Administration")]:
        response = sign_in(client, email)
        assert response.status_code == 302 and response.headers["Location"] == home
        page = client.get(home).get_data(as_text=True)
        assert f"<h1>{heading}</h1>" in page
        client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get(home))})


def test_wrong_password_gets_a_generic_message_and_no_session(client, demo):
    for email in ("trainee@demo.uptake", "nobody@demo.uptake"):
        response = sign_in(client, email, "wrong-password")
        assert response.status_code == 401
        assert "The email or password is not right" in response.get_data(as_text=True)
    assert client.get("/me/").status_code == 302


def test_empty_sign_in_form_shows_field_errors(client, demo):
    token = csrf_from(client.get("/auth/sign-in"))
    response = client.post("/auth/sign-in", data={"email": "", "password": "", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your email address." in page and "Enter your password." in page
    assert 'aria-invalid="true"' in page


def test_sign_in_without_csrf_token_is_refused(client, demo):
    response = client.post("/auth/sign-in", data={"email": "trainee@demo.uptake", "password": "uptake-demo"})
    assert response.status_code == 400
    assert client.get("/me/").status_code == 302


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, demo):
    response = client.get("/trainer/")
    assert response.status_code == 302 and "/auth/sign-in?next=" in response.headers["Location"]
    token = csrf_from(client.get(response.headers["Location"]))
    response = client.post("/auth/sign-in?next=/trainer/", data={
        "email": "trainer@demo.uptake", "password": "uptake-demo", "csrf_token": token})
    assert response.headers["Location"] == "/trainer/"


def test_next_parameter_cannot_redirect_off_site(client, demo):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        token = csrf_from(client.get("/auth/sign-in"))
        response = client.post(f"/auth/sign-in?next={target}", data={
            "email": "trainee@demo.uptake", "password": "uptake-demo", "csrf_token": token})
        assert response.headers["Location"] == "/me/"
        client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/me/"))})


def test_session_is_cleared_at_sign_in(client, demo):
    with client.session_transaction() as session:
        session["planted"] = "from before sign-in"
    sign_in(client, "trainee@demo.uptake")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_cookie_captured_before_sign_out_does_not_work_after_it(client, demo):
    sign_in(client, "trainee@demo.uptake")
    captured = client.get_cookie("session").value
    assert client.get("/me/").status_code == 200
    client.post("/auth/sign-out", data={"csrf_token": csrf_from(client.get("/me/"))})
    client.set_cookie("session", captured)
    response = client.get("/me/")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_session_cookie_is_httponly_and_lax(client, demo):
    response = sign_in(client, "trainee@demo.uptake")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_idle_session_times_out(client, demo, app):
    sign_in(client, "trainee@demo.uptake")
    assert client.get("/me/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["SESSION_IDLE_TIMEOUT"].total_seconds() + timedelta(minutes=1).total_seconds()
    response = client.get("/me/")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_deactivated_user_loses_their_open_session(client, demo, db):
    from tests.helpers import user_by_email

    sign_in(client, "trainee@demo.uptake")
    user = user_by_email("trainee@demo.uptake")
    user.active = False
    db.session.commit()
    assert client.get("/me/").status_code == 302


def test_security_headers_on_every_response(client, demo):
    for url in ("/auth/sign-in", "/healthz", "/no-such-page"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, demo, app):
    """Every request re-signs the cookie, so only the stored sign-in time can end a session: after
    PERMANENT_SESSION_LIFETIME the next page asks for a sign-in, and the API answers 401 in JSON."""
    sign_in(client, "trainee@demo.uptake")
    assert client.get("/me/").status_code == 200  # busy: last_seen is fresh
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with client.session_transaction() as session:
        session["signed_in_at"] -= lifetime + 60
    api = client.get("/api/v1/attempts/1", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.is_json
    sign_in(client, "trainee@demo.uptake")
    with client.session_transaction() as session:
        session["signed_in_at"] -= lifetime + 60
    response = client.get("/me/", follow_redirects=True)
    assert "/auth/sign-in" in response.request.path and "longest a session lasts" in response.get_data(as_text=True)
    assert client.get("/me/").status_code == 302  # and it stays ended


def test_a_session_without_a_sign_in_time_is_not_trusted(client, demo):
    sign_in(client, "trainee@demo.uptake")
    with client.session_transaction() as session:
        del session["signed_in_at"]  # a cookie from before sign-in times were stored
    assert client.get("/me/").status_code == 302
