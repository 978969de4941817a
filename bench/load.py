"""Load test against a real gunicorn server on loopback.

    python -m bench.load [--users 200] [--items 20] [--database-url URL] [--workers 2] [--threads 4]

Starts gunicorn (2 workers × 4 threads unless told) on 127.0.0.1 with a fresh database (SQLite in WAL mode by
default, or the PostgreSQL database named by --database-url, which is emptied), creates the users
and a 20-question quiz, then every simulated trainee signs in, starts the quiz and for each
question fetches it (next-item) and saves an answer (answer-save) after a random think time, 5% of
saves being sent twice, then submits. Afterwards the database must match the client-side log
exactly: 0 lost answers, 0 duplicated rows, 0 server errors. A saturation phase then measures
back-to-back answer saves and next-item reads against the trivial /healthz endpoint on the same
server, each as a ratio.
Everything stays on 127.0.0.1, and every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.saturate import percentiles, saturate

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(workdir: Path, secret: str, database_url: str = "") -> dict:
    """Environment for a throwaway server: its own instance folder and (by default) SQLite file, and
    cheap password hashing so preparing many users is quick."""
    return {**os.environ, "UPTAKE_INSTANCE_PATH": str(workdir), "UPTAKE_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "SECRET_KEY": secret, "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'server.sqlite3'}"}


def start_server(env: dict, port: int, workers: int = 2, threads: int = 1) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port in its own process group, returned once /healthz answers."""
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    server.wait(timeout=20)


def prepare(env: dict, users: int, items: int) -> None:
    """Schema, content, people and a bench quiz, via the app's own services (in a subprocess)."""
    script = f"""
from app import create_app
from config import Config
from app.extensions import db
from app.services.content import load_content, save_quiz
from app.services.demo import load_demo
from app.services.passwords import hash_password
from app.models import User, JobRole, BusinessUnit
from quizzes.assembly import QuizDef
from sqlalchemy import select
app = create_app(Config)
with app.app_context():
    from flask_migrate import upgrade
    db.drop_all()
    with db.engine.begin() as c: c.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()
    load_demo(); load_content()
    org = db.session.scalar(select(User.organisation_id))
    unit = db.session.scalar(select(BusinessUnit)); role = db.session.scalar(select(JobRole))
    h = hash_password({PASSWORD!r})
    db.session.add_all([User(organisation_id=org, email=f"load{{i}}@bench.uptake", name=f"Load {{i}}", role="trainee",
                             password_hash=h, business_unit=unit, job_role=role, active=True, session_version=1)
                        for i in range({users})])
    from app.models import Item
    keys = [k for k in db.session.scalars(select(Item.key).where(Item.type == "single_choice").order_by(Item.key))][:{items}]
    save_quiz(QuizDef(id="bench-quiz", title="Bench quiz", description="", item_ids=tuple(keys), layout="one_per_page",
                      shuffle_items=False), source="bench")
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


class Client:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as response:
                body = response.read()
                status = response.status
                url = response.geturl()
        except urllib.error.HTTPError as error:
            body, status, url = error.read(), error.code, path
        return status, body, time.perf_counter() - start, url

    def start_quiz(self, key: str) -> tuple[int | None, dict]:
        """Start (or resume) a quiz as the signed-in trainee: the attempt id and the headers the JSON
        API needs (X-CSRFToken from the attempt page)."""
        token = CSRF.search(self.request("GET", f"/me/quizzes/{key}")[1].decode()).group(1)
        url = self.request("POST", f"/me/quizzes/{key}/start", urllib.parse.urlencode({"csrf_token": token}).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded"})[3]
        match = re.search(r"/attempts/(\d+)", url)
        if not match:
            return None, {}
        attempt = int(match.group(1))
        token = CSRF.search(self.request("GET", f"/me/attempts/{attempt}")[1].decode()).group(1)
        return attempt, {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"}

    def form(self, path: str, fields: dict):
        page = self.request("GET", path)[1].decode()
        self.token = CSRF.search(page).group(1)
        data = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        return self.request("POST", path, data, {"Content-Type": "application/x-www-form-urlencoded"})


def trainee(base: str, n: int, items: int, think: tuple[float, float], log: dict, timings: dict, errors: list,
            deadline: float) -> None:
    rng = random.Random(n)
    c = Client(base)
    c.form("/auth/sign-in", {"email": f"load{n}@bench.uptake", "password": PASSWORD})
    attempt, headers = c.start_quiz("bench-quiz")
    if attempt is None:
        errors.append(f"user {n}: could not start the quiz")
        return
    answers = {}
    for position in range(1, items + 1):
        if time.time() > deadline:
            break
        time.sleep(rng.uniform(*think))
        status, body, seconds, _ = c.request("GET", f"/api/v1/attempts/{attempt}/items/{position}", headers=headers)
        timings["next"].append(seconds)
        if status != 200:
            errors.append(f"next-item {status}")
            continue
        item = json.loads(body)
        choice = rng.choice(item["options"])["id"]
        seq = time.time_ns() // 1000
        payload = json.dumps({"answer": choice, "seq": seq, "time_spent_ms": 1000}).encode()
        for _ in range(2 if rng.random() < 0.05 else 1):
            status, _, seconds, _ = c.request("PUT", f"/api/v1/attempts/{attempt}/responses/{item['key']}", payload, headers)
            timings["save"].append(seconds)
            if status >= 500 or status not in (200,):
                errors.append(f"save {status}")
        answers[item["key"]] = choice
    status, _, _, _ = c.request("POST", f"/api/v1/attempts/{attempt}/submit", b"", headers)
    if status != 200:
        errors.append(f"submit {status}")
    log[attempt] = answers


def verify(env: dict, log: dict) -> dict:
    script = f"""
import json
from app import create_app
from config import Config
from app.extensions import db
from app.models import Response, Item, Attempt
from sqlalchemy import select, func
app = create_app(Config)
with app.app_context():
    from app.services.content import engine_item
    from quizzes.disguise import Disguise
    salts = dict(db.session.execute(select(Attempt.id, Attempt.answer_salt)
                                    .where(Attempt.id.in_({list(log)!r}))).all())
    # stored answers are the bank's ids; compare them as the tokens the client sent
    rows = [(a, item.key, Disguise(salts[a]).hide(engine_item(item), answer)) for a, item, answer in
            db.session.execute(select(Response.attempt_id, Item, Response.answer).join(Item)
                               .where(Response.attempt_id.in_({list(log)!r}))).all()]
    graded = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.id.in_({list(log)!r}),
                                                                    Attempt.status == "submitted"))
    print(json.dumps({{"rows": [[a, k, v] for a, k, v in rows], "submitted": graded}}))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    stored: dict = {}
    duplicated = 0
    for attempt, key, answer in data["rows"]:
        if key in stored.setdefault(attempt, {}):
            duplicated += 1
        stored[attempt][key] = answer
    expected = sum(len(a) for a in log.values())
    lost = sum(1 for attempt, answers in log.items() for key, value in answers.items()
               if stored.get(attempt, {}).get(key) != value)
    return {"expected_answers": expected, "stored_rows": len(data["rows"]), "lost": lost, "duplicated": duplicated,
            "submitted": data["submitted"], "attempts": len(log)}


def statement_counts(env: dict) -> dict:
    """SQL statements one request runs, counted in-process on the prepared database (load1 is signed
    in with the test client): the trivial endpoint, the next item and an answer save."""
    script = f"""
import json, re
from sqlalchemy import event
from app import create_app
from config import Config
from app.extensions import db
app = create_app(Config)
c = app.test_client()
token = lambda page: re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
c.post("/auth/sign-in", data={{"email": "load1@bench.uptake", "password": {PASSWORD!r},
                              "csrf_token": token(c.get("/auth/sign-in"))}})
start = c.post("/me/quizzes/bench-quiz/start", data={{"csrf_token": token(c.get("/me/quizzes/bench-quiz"))}})
attempt = int(re.search(r"/attempts/(\\d+)", start.headers["Location"]).group(1))
headers = {{"X-CSRFToken": token(c.get(f"/me/attempts/{{attempt}}")), "Accept": "application/json"}}
item = c.get(f"/api/v1/attempts/{{attempt}}/items/1", headers=headers).get_json()
seen = []
with app.app_context():
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
counts = {{}}
for name, call in [("trivial", lambda: c.get("/healthz")),
                   ("next_item", lambda: c.get(f"/api/v1/attempts/{{attempt}}/items/2", headers=headers)),
                   ("answer_save", lambda: c.put(f"/api/v1/attempts/{{attempt}}/responses/{{item['key']}}",
                                                 json={{"answer": item["options"][0]["id"], "seq": 7}}, headers=headers))]:
    seen.clear()
    status = call().status_code
    counts[name] = len(seen) if status == 200 else f"status {{status}}"
print(json.dumps(counts))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _saver(base: str, n: int) -> tuple[Client, int, str, dict, str]:
    """A signed-in trainee with a fresh attempt, ready to save answers back to back."""
    c = Client(base)
    c.form("/auth/sign-in", {"email": f"load{n}@bench.uptake", "password": PASSWORD})
    attempt, headers = c.start_quiz("bench-quiz")
    item = json.loads(c.request("GET", f"/api/v1/attempts/{attempt}/items/1", headers=headers)[1])
    return c, attempt, item["key"], headers, item["options"][0]["id"]


def _save(saver, n: int) -> tuple[int, float]:
    c, attempt, key, headers, option = saver
    body = json.dumps({"answer": option, "seq": time.time_ns() // 1000, "time_spent_ms": 0}).encode()
    status, _, t, _ = c.request("PUT", f"/api/v1/attempts/{attempt}/responses/{key}", body, headers)
    return status, t


def _healthz(client, n: int) -> tuple[int, float]:
    status, _, t, _ = client.request("GET", "/healthz")
    return status, t


def _next_item(items: int):
    def call(saver, n: int) -> tuple[int, float]:
        c, attempt, _, headers, _ = saver
        status, _, t, _ = c.request("GET", f"/api/v1/attempts/{attempt}/items/{n % items + 1}", headers=headers)
        return status, t
    return call


def load_arguments(doc: str) -> argparse.ArgumentParser:
    """The options every load run takes: how many trainees, questions and seconds of thought, which database."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--think", type=float, nargs=2, default=(1.5, 4.5))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = load_arguments(__doc__)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2: two cores)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="uptake-load-"))
    env = server_env(workdir, "bench-secret", args.database_url)
    prepare(env, args.users, args.items)
    port = free_port()
    server = start_server(env, port, workers=args.workers, threads=args.threads)
    base = f"http://127.0.0.1:{port}"
    try:
        log, timings, errors = {}, {"next": [], "save": []}, []
        started = time.time()
        pool = [threading.Thread(target=trainee, args=(base, n, args.items, tuple(args.think), log, timings, errors,
                                                        started + 300)) for n in range(args.users)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        duration = time.time() - started
        check = verify(env, log)
        # Saturation: back-to-back saves by (up to) 16 signed-in trainees vs the trivial endpoint, same server.
        savers = [_saver(base, n) for n in range(min(16, args.users))]
        saves = saturate(savers, 8, _save)
        nexts = saturate(savers, 8, _next_item(args.items))
        trivial = saturate([Client(base) for _ in range(16)], 8, _healthz)
        statements = statement_counts(env)
        result = {"users": args.users, "items": args.items, "database": "postgresql" if args.database_url else "sqlite",
                  "gunicorn": {"workers": args.workers, "threads": args.threads},
                  "statements_per_request": statements,
                  "duration_s": duration, "server_errors": len([e for e in errors if " 5" in e or e.endswith("500")]),
                  "errors": errors[:10], "verification": check,
                  "next_item": {"throughput_rps": len(timings["next"]) / duration, **percentiles(timings["next"])},
                  "answer_save": {"throughput_rps": len(timings["save"]) / duration, **percentiles(timings["save"])},
                  "answer_save_saturated": saves, "next_item_saturated": nexts, "trivial_saturated": trivial,
                  "save_to_trivial_throughput": saves["requests_per_second"] / trivial["requests_per_second"],
                  "next_to_trivial_throughput": nexts["requests_per_second"] / trivial["requests_per_second"]}
    finally:
        stop_server(server)
    if args.json:
        print(json.dumps(result))
    else:
        v = result["verification"]
        print(f"{result['users']} trainees × {result['items']} questions on {result['database']} "
              f"(gunicorn {args.workers} workers × {args.threads} threads), "
              f"{result['duration_s']:.0f} s: {v['expected_answers']} answers, lost {v['lost']}, "
              f"duplicated {v['duplicated']}, server errors {result['server_errors']}, submitted {v['submitted']}/{v['attempts']}")
        for name in ("answer_save", "next_item"):
            r = result[name]
            print(f"  {name:<12} {r['throughput_rps']:7.1f} req/s (think-time bound)  p50 {r['p50_ms']:.1f} ms  "
                  f"p95 {r['p95_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms")
        t = result["trivial_saturated"]
        print(f"  saturated by {min(16, result['users'])} clients, against trivial /healthz {t['requests_per_second']:.0f} req/s "
              f"(p50 {t['p50_ms']:.1f} ms):")
        for name, ratio in (("answer_save", "save_to_trivial_throughput"), ("next_item", "next_to_trivial_throughput")):
            sv = result[f"{name}_saturated"]
            print(f"    {name:<12} {sv['requests_per_second']:5.0f} req/s (p50 {sv['p50_ms']:.1f} ms, p99 {sv['p99_ms']:.1f} ms, "
                  f"failed {sv['failed']}): ratio {result[ratio]:.2f}")
        st = result["statements_per_request"]
        print(f"  SQL statements per request (signed in): answer-save {st['answer_save']}, next item {st['next_item']}, "
              f"trivial /healthz {st['trivial']}")
    ok = (result["verification"]["lost"] == 0 and result["verification"]["duplicated"] == 0
          and not result["server_errors"] and not result["answer_save_saturated"]["failed"]
          and not result["next_item_saturated"]["failed"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
