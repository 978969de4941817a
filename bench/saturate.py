"""Saturating a server: many clients sending requests back to back for a while, and the latency
percentiles the load benchmarks print (`bench.load`, `bench.cluster`)."""
from __future__ import annotations

import threading
import time
from typing import Callable


def saturate(clients: list, seconds: float, call: Callable[[object, int], tuple[int, float]]) -> dict:
    """Each client sends `call(client, n)` (which returns the status and the seconds it took) back to
    back, on its own thread, until time is up: requests per second, non-200 answers, percentiles."""
    counts, latencies, failures, stop = [], [], [], time.time() + seconds

    def worker(client):
        done = 0
        while time.time() < stop and done < 100_000:
            status, took = call(client, done)
            latencies.append(took)
            if status != 200:
                failures.append(status)
            done += 1
        counts.append(done)

    pool = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"requests_per_second": sum(counts) / seconds, "failed": len(failures), **percentiles(latencies)}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.5), "p95_ms": pick(0.95), "p99_ms": pick(0.99), "max_ms": ordered[-1] * 1000,
            "count": len(values)}
