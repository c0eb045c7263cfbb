"""Benchmark: the CPU cost of one start, save and submit, in one process, without HTTP.

exam_burst.py measures what cadres see under load; this measures what each request costs the
server, which is what decides how many cadres a machine can serve. It prepares the same database as
exam_burst.py (its paper stock included), signs N cadres in with Flask's test client, then times
(CPU of this process only: time.process_time) each cadre's start, 20 saves and submit, and, as the
baseline in the same run, GET /api/csrf (a signed-in request that touches no table) and GET /healthz.

    python benchmarks/attempt_costs.py
    python benchmarks/attempt_costs.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhall_burst

As with exam_burst.py, a PostgreSQL database must be on 127.0.0.1; its public schema is recreated.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import random
import statistics
import tempfile
import time
from pathlib import Path

import exam_burst as burst
from fresh_database import check_url

from studyhall import create_app


def timed(samples: list[float], call, path: str, expect: int, *, count_calls: bool, **kwargs):  # type: ignore[no-untyped-def]
    """One request through the test client (call: client.get, client.post, ...), its CPU time kept,
    or with --calls the number of Python function calls it made (cProfile): a count that does not
    move with the machine's speed, so two versions of the code compare exactly."""
    if count_calls:
        profile = cProfile.Profile()
        response = profile.runcall(call, path, **kwargs)
        samples.append(pstats.Stats(profile).total_calls / 1e6)  # printed (x 1000) in thousands
    else:
        began = time.process_time()
        response = call(path, **kwargs)
        samples.append(time.process_time() - began)
    if response.status_code != expect:
        raise SystemExit(f"HTTP {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return response


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cadres", type=int, default=150)
    parser.add_argument(
        "--database-url", help="PostgreSQL on 127.0.0.1; default: SQLite in a temporary folder"
    )
    parser.add_argument(
        "--calls", action="store_true", help="count function calls a request instead of CPU time"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attempt-costs-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'costs.db'}"
        backend = check_url(url)
        prepared = burst.prepare(url, folder, args.cadres)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "costs", "INSTANCE_PATH": folder})
        cadres = []
        for username in prepared.usernames:
            client = app.test_client()
            token = burst.CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
            form = {"csrf_token": token, "username": username, "password": burst.PASSWORD}
            if client.post("/login", data=form).status_code != 302:
                raise SystemExit(f"{username} could not sign in")
            token = burst.CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)
            cadres.append((client, {"X-CSRFToken": token}))

        measure = functools.partial(timed, count_calls=args.calls)
        costs: dict[str, list[float]] = {step: [] for step in ("csrf", "healthz", "start", "save", "submit")}
        rng = random.Random(15)
        states = []
        for client, _headers in cadres:
            measure(costs["csrf"], client.get, "/api/csrf", 200)
            measure(costs["healthz"], client.get, "/healthz", 200)
        for client, headers in cadres:
            path = f"/api/exams/{prepared.exam_id}/attempts"
            states.append(
                measure(costs["start"], client.post, path, 201, json={}, headers=headers).get_json()
            )
        for (client, headers), state in zip(cadres, states, strict=True):
            for question in state["questions"]:
                path = f"/api/attempts/{state['attempt']}/answers/{question['position']}"
                body = {"response": burst.response_for(question, rng), "seq": 1}
                measure(costs["save"], client.put, path, 200, json=body, headers=headers)
        for (client, headers), state in zip(cadres, states, strict=True):
            path = f"/api/attempts/{state['attempt']}/submit"
            measure(costs["submit"], client.post, path, 200, json={}, headers=headers)

    unit = "thousands of Python function calls" if args.calls else "CPU in this process (ms)"
    print(f"database: {backend}; {args.cadres} cadres; one request's {unit}")
    print(f"{'request':<34}{'requests':>9}{'median':>9}{'mean':>9}{'p95':>9}")
    labels = {
        "csrf": "GET /api/csrf (baseline)",
        "healthz": "GET /healthz (baseline)",
        "start": "POST start (a stocked paper)",
        "save": "PUT save",
        "submit": "POST submit (grading)",
    }
    for step, samples in costs.items():
        ordered = sorted(samples)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        print(
            f"{labels[step]:<34}{len(samples):>9}{statistics.median(samples) * 1000:>9.2f}"
            f"{statistics.mean(samples) * 1000:>9.2f}{p95 * 1000:>9.2f}"
        )


if __name__ == "__main__":
    main()
