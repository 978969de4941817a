"""Faults: the database unreachable, and the server killed in the middle of an attempt."""
import json
import os
import signal

from app import create_app
from bench.load import PASSWORD, Client, free_port, prepare, server_env, start_server, stop_server


def test_unreachable_database_gives_a_clear_retryable_error(config_class, tmp_path):
    from tests.helpers import csrf_from

    class Broken(config_class):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'gone' / 'db.sqlite3'}"

    client = create_app(Broken).test_client()
    page = client.get("/auth/sign-in")
    assert page.status_code == 200  # pages that need no data still work
    response = client.post("/auth/sign-in", data={"email": "a@b.co", "password": "x", "csrf_token": csrf_from(page)})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "database is briefly unavailable" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"  # a signed-in trainee: loading them needs the database
    api = client.put("/api/v1/attempts/1/responses/nav-001", json={"answer": "a", "seq": 1},
                     headers={"X-CSRFToken": csrf_from(page)})
    assert api.status_code == 503 and "answers are retried" in api.get_json()["error"]["message"]


def test_sign_in_limit_holds_across_gunicorn_workers(tmp_path, server_database):
    """Four worker processes, a fresh connection per attempt: the sixth try is refused wherever it lands."""
    env = server_env(tmp_path, "throttle-test", server_database)
    prepare(env, users=1, items=3)
    port = free_port()
    server = start_server(env, port, workers=4)
    try:
        statuses = [Client(f"http://127.0.0.1:{port}").form("/auth/sign-in", {"email": "load0@bench.uptake",
                                                                             "password": "wrong-password"})[0]
                    for _ in range(8)]
        right = Client(f"http://127.0.0.1:{port}").form("/auth/sign-in", {"email": "load0@bench.uptake",
                                                                          "password": PASSWORD})[0]
    finally:
        stop_server(server)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
    assert right == 429  # locked for the window, even with the right password


def test_server_killed_mid_attempt_loses_no_saved_answer(tmp_path, server_database):
    """A real gunicorn server is killed with SIGKILL after some answers were saved; after a restart
    the attempt resumes with every saved answer and takes the rest (on SQLite and on PostgreSQL)."""
    env = server_env(tmp_path, "fault-test", server_database)
    prepare(env, users=1, items=6)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        c = Client(base)
        c.form("/auth/sign-in", {"email": "load0@bench.uptake", "password": PASSWORD})
        attempt, headers = c.start_quiz("bench-quiz")
        saved = {}
        for position in (1, 2, 3):
            item = json.loads(c.request("GET", f"/api/v1/attempts/{attempt}/items/{position}", headers=headers)[1])
            choice = item["options"][-1]["id"]
            status = c.request("PUT", f"/api/v1/attempts/{attempt}/responses/{item['key']}",
                               json.dumps({"answer": choice, "seq": position}).encode(), headers)[0]
            assert status == 200
            saved[item["key"]] = choice
        os.killpg(server.pid, signal.SIGKILL)  # no graceful shutdown
        server.wait(timeout=10)
        server = start_server(env, port)
        state = json.loads(c.request("GET", f"/api/v1/attempts/{attempt}", headers=headers)[1])
        assert state["status"] == "in_progress"
        assert {i["key"]: i["saved_answer"] for i in state["items"] if i["saved_answer"]} == saved
        status = c.request("POST", f"/api/v1/attempts/{attempt}/submit", b"", headers)[0]
        assert status == 200
    finally:
        stop_server(server)
