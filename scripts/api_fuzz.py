"""Run schemathesis against /api/v1/openapi.json on a live gunicorn server (127.0.0.1 only).

    python scripts/api_fuzz.py [--max-examples 50]

Prepares a fresh SQLite database with one trainee and a quiz, starts gunicorn, signs the trainee in
and starts an attempt (so generated requests can reach real data), then runs every schemathesis
check with the session cookie declared as the OpenAPI `session` security scheme and the CSRF header.
Exits with schemathesis's status: any finding fails CI.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, Client, free_port, prepare, server_env, start_server, stop_server  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="uptake-api-fuzz-"))
    env = server_env(work, "api-fuzz")
    prepare(env, users=1, items=5)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        client = Client(base)
        client.form("/auth/sign-in", {"email": "load0@bench.uptake", "password": PASSWORD})
        attempt, headers = client.start_quiz("bench-quiz")
        token = headers["X-CSRFToken"]
        cookie = next(c.value for c in client.jar if c.name == "session")
        first = json.loads(client.request("GET", f"/api/v1/attempts/{attempt}/items/1",
                                          headers={"Accept": "application/json"})[1])["key"]
        config = work / "schemathesis.toml"
        config.write_text(
            'headers = { X-CSRFToken = "${UPTAKE_FUZZ_CSRF}" }\n'
            "[auth.openapi.session]\n"
            'api_key = "${UPTAKE_FUZZ_SESSION}"\n'
            "[[operations]]\n"
            'include-name = "GET /api/v1/attempts/{attempt_id}/items/{position}"\n'
            f"parameters = {{ attempt_id = {attempt}, position = 1 }}\n"
            "[[operations]]\n"
            'include-name = "PUT /api/v1/attempts/{attempt_id}/responses/{item_key}"\n'
            f'parameters = {{ attempt_id = {attempt}, item_key = "{first}" }}\n')
        result = subprocess.run([sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
                                 f"{base}/api/v1/openapi.json", "--checks", "all",
                                 "--max-examples", str(args.max_examples), "--seed", "2026"],
                                env={**env, "UPTAKE_FUZZ_CSRF": token, "UPTAKE_FUZZ_SESSION": cookie}, cwd=work)
        return result.returncode
    finally:
        stop_server(server)


if __name__ == "__main__":
    sys.exit(main())
