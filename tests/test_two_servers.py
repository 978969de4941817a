"""Scale-out: two gunicorn servers behind a round-robin proxy on one database (SQLite here, PostgreSQL in
CI's second run), with the background worker on its own. Nothing is lost or duplicated whichever
server a request lands on, the sign-in limit is one count across both, and the worker's refit of the
skill model is what both servers report next, without a restart (`bench/cluster.py`) — also with the
servers reaching PostgreSQL through PgBouncer in transaction mode, as in production."""
from pathlib import Path

import pytest

from bench.cluster import PGBOUNCER, run


def test_two_servers_share_everything_through_the_database(tmp_path, server_database):
    """On SQLite the servers share the file; on PostgreSQL they reach it through PgBouncer (the
    production topology; `make bench-cluster` measures the direct connection too)."""
    pooled = bool(server_database)
    if pooled and not Path(PGBOUNCER).exists():
        pytest.skip(f"no pgbouncer at {PGBOUNCER}: install Debian's pgbouncer package (CI always does)")
    result = run(server_database, users=15, items=4, think=(0.0, 0.05), workdir=tmp_path, pgbouncer=pooled)
    verification = result["verification"]
    assert verification["expected_answers"] == 60 and verification["lost"] == 0 and verification["duplicated"] == 0
    assert verification["submitted"] == verification["attempts"] == 15 and result["server_errors"] == 0, result["errors"]
    assert all(n > 20 for n in result["connections_per_server"])  # both servers took a real share
    assert result["sign_in_statuses"] == [401] * 5 + [429] * 3  # the right password too, once locked
    assert result["model_before"] == [None, None]
    first, second = result["model_after"]
    assert first is not None and first == second, result.get("worker_output")
    assert result["ok"]
