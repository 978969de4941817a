from app import create_app


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_database_is_unreachable(config_class, tmp_path):
    class Broken(config_class):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'missing-dir' / 'nope.sqlite3'}"

    response = create_app(Broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_unknown_page_is_a_friendly_404_in_html_and_json(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "We could not find" in response.get_data(as_text=True)
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
