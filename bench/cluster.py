"""Two app servers behind a round-robin proxy, one database, the background worker on its own.

    python -m bench.cluster [--users 200] [--items 20] [--database-url URL [--pgbouncer]]

Starts two gunicorn instances on their own ports (same code, same SECRET_KEY, nothing else shared
but the database), a simple round-robin TCP proxy in front of them (each connection goes to the
next server), and drives simulated trainees through the proxy: each request may land on either
server. Then, with the servers still up: the database must match what the clients sent (0 lost,
0 duplicated); wrong passwords sent through the proxy must lock the account after the fifth
wherever they land (the limit is counted in the database); and the background worker, started on
its own once the answers are in, refits the skill model, which both servers must then report
(Admin → Skill model, asked of each server directly) without a restart. PostgreSQL with
--database-url (emptied first), optionally reached through PgBouncer in transaction mode
(--pgbouncer, as in production); SQLite in WAL mode by default. Everything stays on 127.0.0.1 and
every loop is bounded.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load import (PASSWORD, ROOT, Client, free_port, load_arguments, prepare, server_env, start_server,
                        stop_server, trainee, verify)
from bench.saturate import percentiles

ADMIN = ("admin@demo.uptake", "uptake-demo")  # the demo organisation's admin  # nosec B105
_SHA = re.compile(r'data-model-sha="([0-9a-f]{64})"')


class RoundRobinProxy:
    """Accepts connections on 127.0.0.1 and hands each to the next backend in turn, copying bytes
    both ways until either side closes. Counts connections per backend."""

    def __init__(self, ports: list[int]):
        self.ports, self.counts, self._next = ports, [0] * len(ports), 0
        self._lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                index = self._next
                self._next = (self._next + 1) % len(self.ports)
                self.counts[index] += 1
            threading.Thread(target=self._pair, args=(client, self.ports[index]), daemon=True).start()

    @staticmethod
    def _pair(client: socket.socket, port: int) -> None:
        try:
            backend = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            client.close()
            return

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while chunk := source.recv(65536):
                    sink.sendall(chunk)
            except OSError:
                pass
            finally:
                for end in (sink, source):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        other = threading.Thread(target=pump, args=(backend, client), daemon=True)
        other.start()
        pump(client, backend)
        other.join(timeout=30)
        client.close()
        backend.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()


PGBOUNCER = "/usr/sbin/pgbouncer"  # Debian's pgbouncer package


def start_pgbouncer(database_url: str) -> tuple[subprocess.Popen, str, Path]:
    """PgBouncer in transaction mode on a free loopback port in front of the database; the URL the
    app servers use instead (same database name). Run as the postgres user when we are root (it
    refuses root)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    folder = Path(tempfile.mkdtemp(prefix="uptake-pgbouncer-"))
    folder.chmod(0o755)
    port = free_port()
    (folder / "pgbouncer.ini").write_text(f"""[databases]
{url.database} = host={url.host or '127.0.0.1'} port={url.port or 5432} dbname={url.database} user={url.username or 'postgres'}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 8
max_client_conn = 400
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
""")
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"pgbouncer did not start (see {folder / 'pgbouncer.log'})")
    return process, url.set(port=port, host="127.0.0.1").render_as_string(hide_password=False), folder


def model_on(port: int, client: Client) -> str | None:
    """The model one server says is in use (asked of that server directly, with the admin's session)."""
    status, body, _, _ = Client.request(_direct(client, port), "GET", "/admin/model")
    found = _SHA.search(body.decode()) if status == 200 else None
    return found.group(1) if found else None


def _direct(client: Client, port: int) -> Client:
    """The same signed-in session (cookies are not tied to a port), sent to one server."""
    direct = Client(f"http://127.0.0.1:{port}")
    direct.jar, direct.opener = client.jar, client.opener
    return direct


def run(database_url: str = "", users: int = 200, items: int = 20, think: tuple[float, float] = (1.5, 4.5),
        workdir: Path | None = None, pgbouncer: bool = False) -> dict:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="uptake-cluster-"))
    env = server_env(workdir, "cluster-secret", database_url)
    env["UPTAKE_CALIBRATE_MIN_NEW"] = "40"  # the worker refits once this many answers are in
    prepare(env, users, items)  # migrations go to PostgreSQL directly, never through the pooler
    bouncer = None
    if pgbouncer:
        bouncer, pooled, _ = start_pgbouncer(database_url)
        env = {**env, "DATABASE_URL": pooled, "UPTAKE_DATABASE_POOLER": "pgbouncer"}
    ports = [free_port(), free_port()]
    servers = [start_server(env, port, workers=1, threads=4) for port in ports]
    proxy = RoundRobinProxy(ports)
    base = f"http://127.0.0.1:{proxy.port}"
    worker = None
    result: dict = {"users": users, "items": items, "database": ("postgresql via pgbouncer" if pgbouncer else "postgresql")
                    if database_url else "sqlite"}
    try:
        admin = Client(base)
        admin.form("/auth/sign-in", {"email": ADMIN[0], "password": ADMIN[1]})
        result["model_before"] = [model_on(p, admin) for p in ports]

        log, timings, errors = {}, {"next": [], "save": []}, []
        started = time.time()
        pool = [threading.Thread(target=trainee, args=(base, n, items, think, log, timings, errors, started + 300))
                for n in range(users)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        result["duration_s"] = time.time() - started
        result["verification"] = verify(env, log)
        result["errors"] = errors[:10]
        result["server_errors"] = sum(1 for e in errors if " 5" in e)
        result["answer_save"] = percentiles(timings["save"])
        result["connections_per_server"] = list(proxy.counts)

        locked = Client(base)  # wrong passwords through the proxy: alternate servers, one shared count
        statuses = [locked.form("/auth/sign-in", {"email": "load0@bench.uptake", "password": "wrong-password"})[0]
                    for _ in range(7)]
        statuses.append(locked.form("/auth/sign-in", {"email": "load0@bench.uptake", "password": PASSWORD})[0])
        result["sign_in_statuses"] = statuses

        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "run", "--tick", "1"],
                                  cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        deadline, seen = time.time() + 120, [None, None]
        while time.time() < deadline and not (seen[0] and seen[0] == seen[1]):
            time.sleep(1)
            seen = [model_on(p, admin) for p in ports]
        result["model_after"] = seen
    finally:
        if worker is not None:
            worker.terminate()
            try:
                result["worker_output"] = worker.communicate(timeout=30)[0].strip().splitlines()[-5:]
            except subprocess.TimeoutExpired:
                worker.kill()
        proxy.close()
        for server in servers:
            stop_server(server)
        if bouncer is not None:
            stop_server(bouncer)
    v = result["verification"]
    result["ok"] = bool(v["lost"] == 0 and v["duplicated"] == 0 and not result["server_errors"]
                        and v["submitted"] == v["attempts"] == users
                        and all(result["connections_per_server"])
                        and result["sign_in_statuses"] == [401] * 5 + [429] * 3
                        and result["model_before"] == [None, None]
                        and result["model_after"][0] is not None and result["model_after"][0] == result["model_after"][1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = load_arguments(__doc__)
    parser.add_argument("--pgbouncer", action="store_true", help="app servers reach PostgreSQL through PgBouncer "
                        "(transaction pooling), as in production")
    args = parser.parse_args(argv)
    if args.pgbouncer and not args.database_url:
        parser.error("--pgbouncer needs --database-url (PgBouncer pools PostgreSQL connections)")
    result = run(args.database_url, args.users, args.items, tuple(args.think), pgbouncer=args.pgbouncer)
    if args.json:
        print(json.dumps(result))
    else:
        v, s = result["verification"], result["answer_save"]
        print(f"two servers behind a round-robin proxy, {result['users']} trainees × {result['items']} questions on "
              f"{result['database']}, {result['duration_s']:.0f} s: {v['expected_answers']} answers, lost {v['lost']}, "
              f"duplicated {v['duplicated']}, server errors {result['server_errors']}, "
              f"submitted {v['submitted']}/{v['attempts']}")
        print(f"  connections per server {result['connections_per_server']}; answer-save p50 {s['p50_ms']:.1f} ms, "
              f"p95 {s['p95_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms")
        print(f"  wrong passwords through the proxy: {result['sign_in_statuses'][:7]}, then the right one: "
              f"{result['sign_in_statuses'][7]} (locked wherever it lands)")
        before, after = result["model_before"], result["model_after"]
        print(f"  skill model before: {before}; after the worker's refit, as each server reports it: "
              f"{[a[:12] if a else None for a in after]}")
        print("  OK" if result["ok"] else "  FAILED")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
