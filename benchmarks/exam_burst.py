"""Benchmark: 1,000 cadres start the same closed-book test together.

Targets (issue: closed-book tests, "Speed"): no failed request, no acknowledged answer missing from
the database, autosave p95 under 100 ms on PostgreSQL, starting an attempt under 300 ms p95.

The app runs as deployed (README: gunicorn, 4 sync workers) on a fresh database: N cadres in one
党支部, the shipped banks and one 20-question test open now to that branch. Every cadre signs in
(set-up, reported but not a target), then all start the test within 10 seconds, each saves 20
answers 1–5 s apart (times --think) and submits, all through the JSON attempt API with its own
session cookie and CSRF token. In the same run GET /healthz is timed idle and under the load, the
floor any request stands on. Afterwards every acknowledged save (HTTP 200) is looked up in the
database.

    python benchmarks/exam_burst.py --cadres 100 --think 0.1     # a quick run
    python benchmarks/exam_burst.py                              # SQLite in a temporary folder
    python benchmarks/exam_burst.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhall_burst

The PostgreSQL database must exist, on 127.0.0.1 only; its public schema is dropped and recreated.
The HTTP client is lean_http.py beside this script. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fresh_database import check_url, recreate
from lean_http import Client, HTTPError, Response
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from studyhall import clock, create_app, db
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role, User
from studyhall.banks import service as banks
from studyhall.exams import service as exam_service
from studyhall.exams import setup as exam_setup
from studyhall.exams.models import Answer, Attempt
from studyhall.exams.setup import ExamSpec, RuleSpec

PASSWORD = "burst-password-1"
CHEAP_HASH = "pbkdf2:sha256:1000"  # set-up only: production hashes with scrypt (~0.15 s each)
BANK = "国家安全知识"
# The demo test's paper: 20 questions, 100 points.
RULES = (("single", 10, 4), ("multiple", 4, 6), ("judge", 4, 4), ("blank", 2, 10))
TIME_LIMIT_MINUTES = 15
ANSWERS_PER_CADRE = 20
START_WINDOW_SECONDS = 10.0
# Requests in flight from the load generator at once; gunicorn's listen backlog queues what its
# workers have not accepted yet, as it would for a thousand browsers.
MAX_CONNECTIONS = 200
SIGN_IN_CONCURRENCY = 20
REQUEST_TIMEOUT = 60.0
HEALTHZ_INTERVAL = 0.1  # seconds between probes of /healthz while the cadres work
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LETTERS = "ABCDEFGH"
STEPS = (
    "login page",
    "sign-in",
    "home page",
    "healthz (idle)",
    "start",
    "save",
    "submit",
    "healthz (under load)",
)


# ---- the database --------------------------------------------------------------------------


@dataclass
class Prepared:
    exam_id: int
    usernames: list[str]
    seconds: float


def prepare(url: str, folder: str, cadres: int) -> Prepared:
    """Migrate a fresh database; add a branch, an administrator, N cadres, the shipped banks and
    a test open now to the branch."""
    began = time.perf_counter()
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": folder,
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
        }
    )
    with app.app_context():
        engine = db.engine()
        recreate(engine)
        now = clock.now()
        with db.new_session() as session:
            root = accounts.create_branch(session, None, "机关党委", None, now=now)
            branch = accounts.create_branch(session, None, "第一党支部", root.id, now=now)
            admin = accounts.create_user(
                session,
                None,
                username="burst-admin",
                display_name="基准管理员",
                role=Role.ADMIN,
                branch_id=root.id,
                password=PASSWORD,
                must_change_password=False,
                now=now,
            )
            usernames = [f"c{number:05d}" for number in range(1, cadres + 1)]
            # Inserted directly, each with its own cheap hash: N × scrypt would be minutes of set-up.
            session.execute(
                insert(User),
                [
                    {
                        "username": name,
                        "display_name": f"干警{name[1:]}",
                        "branch_id": branch.id,
                        "role": Role.CADRE,
                        "active": True,
                        "must_change_password": False,
                        "auth_version": 1,
                        "password_hash": generate_password_hash(PASSWORD, CHEAP_HASH),
                        "created_at": now,
                    }
                    for name in usernames
                ],
            )
            banks.load_shipped_banks(session, now=now)
            bank = banks.get_bank(session, BANK)
            spec = ExamSpec(
                title="全民国家安全教育日知识测试（基准）",
                opens_at=now - timedelta(minutes=5),
                closes_at=now + timedelta(days=1),
                time_limit_minutes=TIME_LIMIT_MINUTES,
                partial_credit=True,
                branch_ids=[branch.id],
                rules=[RuleSpec(bank.id, count, score, type=kind) for kind, count, score in RULES],
            )
            exam = exam_setup.save_exam(session, admin, spec, now=now)
            exam_setup.publish(session, admin, exam, now=now)
            session.commit()
            exam_id = exam.id
            # What the scheduler's stock_papers job does in the hour before a test opens.
            exam_service.stock_papers(session, now=now)
            session.commit()
        engine.dispose()
    return Prepared(exam_id, usernames, time.perf_counter() - began)


@dataclass
class Stored:
    answers: dict[tuple[int, int], int]  # (attempt, position) → stored seq
    attempts: Counter[str]


def stored(url: str, exam_id: int) -> Stored:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Answer.attempt_id, Answer.position, Answer.seq)
                .join(Attempt, Attempt.id == Answer.attempt_id)
                .where(Attempt.exam_id == exam_id)
            ).all()
            states = connection.execute(
                select(Attempt.state, func.count()).where(Attempt.exam_id == exam_id).group_by(Attempt.state)
            ).all()
    finally:
        engine.dispose()
    return Stored({(a, p): s for a, p, s in rows}, Counter(dict(states)))


# ---- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn 'studyhall:create_app()' as the README deploys it, bound to 127.0.0.1 only."""

    def __init__(self, url: str, folder: str, workers: int, worker_options: list[str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(folder) / "gunicorn.log"
        env = {key: value for key, value in os.environ.items() if not key.startswith("STUDYHALL_")}
        env.update(
            STUDYHALL_DATABASE_URL=url,
            STUDYHALL_SECRET_KEY=secrets.token_hex(32),
            STUDYHALL_INSTANCE_PATH=folder,
        )
        self.log = self.log_path.open("wb")
        # A session of its own: Ctrl+C reaches only this script, which then stops gunicorn itself.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                *worker_options,
                "--bind",
                f"127.0.0.1:{self.port}",
                "studyhall:create_app()",
            ],
            cwd=folder,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer within {timeout:.0f} s:\n{self.tail()}")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def cpu_seconds(self) -> float:
        return sum(process_cpu(pid) for pid in [self.process.pid, *self.workers()])

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers finish their request
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group this script started
                self.process.wait(timeout=10)
        self.log.close()


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def database_server_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process on this machine (none for SQLite)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found[int(entry.name)] = process_cpu(int(entry.name))
            except OSError:
                continue
    return found


def background_load(seconds: float = 3.0) -> float:
    """How busy the machine is before the run, from other processes: the figures mean less when
    this is high."""
    busy, total = machine_cpu()
    time.sleep(seconds)
    busy_after, total_after = machine_cpu()
    return (busy_after - busy) / (total_after - total)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS, sum(values[:8]) / TICKS


# ---- the load ------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    failures: dict[str, Counter[str]] = field(default_factory=lambda: {step: Counter() for step in STEPS})
    acknowledged: list[tuple[int, int, int]] = field(default_factory=list)  # (attempt, position, seq)

    def failed(self, step: str, message: str) -> None:
        self.failures[step][message[:200]] += 1


IN_FLIGHT: asyncio.Semaphore  # made inside the event loop, in load()


async def call(
    stats: Stats, step: str, client: Client, method: str, path: str, expect: int, **kwargs: object
) -> Response | None:
    """One timed request; any other status, or no answer, is a failure of its step. The time
    includes any wait for one of the MAX_CONNECTIONS slots."""
    began = time.perf_counter()
    try:
        async with IN_FLIGHT:
            response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
    except HTTPError as error:
        stats.latencies[step].append(time.perf_counter() - began)
        stats.failed(step, str(error))
        return None
    stats.latencies[step].append(time.perf_counter() - began)
    if response.status_code != expect:
        stats.failed(step, f"HTTP {response.status_code}: {' '.join(response.text.split())[:160]}")
        return None
    return response


@dataclass
class Cadre:
    username: str
    client: Client  # its own cookie jar and connection, like a browser
    csrf: str = ""


async def sign_in(stats: Stats, cadre: Cadre, gate: asyncio.Semaphore) -> None:
    async with gate:
        page = await call(stats, "login page", cadre.client, "GET", "/login", 200)
        token = CSRF_META.search(page.text) if page else None
        if token is None:
            return
        form = {"csrf_token": token.group(1), "username": cadre.username, "password": PASSWORD}
        signed_in = await call(stats, "sign-in", cadre.client, "POST", "/login", 302, data=form)
        if signed_in is None:
            return
        # Signing in starts a new session, so the page after it carries the token for the API.
        home = await call(stats, "home page", cadre.client, "GET", "/", 200)
        token = CSRF_META.search(home.text) if home else None
        if token is None:
            stats.failed("home page", "no csrf-token meta tag")
            return
        cadre.csrf = token.group(1)


def response_for(question: dict, rng: random.Random) -> object:
    letters = LETTERS[: len(question["options"])]
    if question["type"] == "single":
        return [rng.choice(letters)]
    if question["type"] == "multiple":
        return sorted(rng.sample(letters, rng.randint(1, len(letters))))
    if question["type"] == "judge":
        return rng.random() < 0.5
    words = ["总体国家安全观", "4月15日", "人民安全", "国家利益"]
    return [rng.choice(words) for _ in range(question["blanks"])]


async def take_test(
    stats: Stats, cadre: Cadre, exam_id: int, start_at: float, think: float, rng: random.Random
) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start_at - loop.time()))
    headers = {"X-CSRFToken": cadre.csrf}
    started = await call(
        stats, "start", cadre.client, "POST", f"/api/exams/{exam_id}/attempts", 201, json={}, headers=headers
    )
    if started is None:
        return
    state = started.json()
    if len(state["questions"]) != ANSWERS_PER_CADRE:
        stats.failed("start", f"the paper has {len(state['questions'])} questions, not {ANSWERS_PER_CADRE}")
    attempt = state["attempt"]
    for question in state["questions"]:
        await asyncio.sleep(rng.uniform(1, 5) * think)
        position = question["position"]
        saved = await call(
            stats,
            "save",
            cadre.client,
            "PUT",
            f"/api/attempts/{attempt}/answers/{position}",
            200,
            json={"response": response_for(question, rng), "seq": 1},
            headers=headers,
        )
        if saved is not None:
            stats.acknowledged.append((attempt, position, 1))
    await asyncio.sleep(rng.uniform(1, 5) * think)
    submitted = await call(
        stats,
        "submit",
        cadre.client,
        "POST",
        f"/api/attempts/{attempt}/submit",
        200,
        json={},
        headers=headers,
    )
    if submitted is not None and submitted.json().get("state") != "submitted":
        stats.failed("submit", f"state after submit: {submitted.json().get('state')}")


async def probe_healthz(
    stats: Stats,
    client: Client,
    step: str,
    *,
    count: int | None = None,
    until: asyncio.Event | None = None,
) -> None:
    done = 0
    while (count is None or done < count) and not (until and until.is_set()):
        await call(stats, step, client, "GET", "/healthz", 200)
        done += 1
        if until is not None:
            await asyncio.sleep(HEALTHZ_INTERVAL)


@dataclass
class Run:
    stats: Stats
    sign_in_seconds: float
    burst_seconds: float
    unfinished: int
    cpu: dict[str, float]


async def load(server: Server, exam_id: int, usernames: list[str], think: float, seed: int) -> Run:
    global IN_FLIGHT
    IN_FLIGHT = asyncio.Semaphore(MAX_CONNECTIONS)
    stats = Stats()

    def new_client() -> Client:
        # One connection per client, like a browser's, with its own cookies.
        return Client("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)

    cadres = [Cadre(name, new_client()) for name in usernames]
    probe = new_client()
    try:
        began = time.perf_counter()
        gate = asyncio.Semaphore(SIGN_IN_CONCURRENCY)
        await asyncio.gather(*(sign_in(stats, cadre, gate) for cadre in cadres))
        sign_in_seconds = time.perf_counter() - began
        await probe_healthz(stats, probe, "healthz (idle)", count=200)

        ready = [cadre for cadre in cadres if cadre.csrf]
        loop = asyncio.get_running_loop()
        first = loop.time() + 0.5
        spacing = START_WINDOW_SECONDS / max(1, len(ready))
        # Bounded: every cadre has finished long before this unless requests hang.
        # An overloaded server stretches the run (each cadre waits for an answer before going on),
        # so the budget is generous; it still ends before the test's own time limit would.
        budget = START_WINDOW_SECONDS + 5 * (ANSWERS_PER_CADRE + 1) * think + 10 * REQUEST_TIMEOUT
        database_before = database_server_cpu()
        cpu_before = {"gunicorn": server.cpu_seconds(), "load generator": time.process_time()}
        busy_before, total_before = machine_cpu()
        began = time.perf_counter()
        finished = asyncio.Event()
        prober = asyncio.create_task(probe_healthz(stats, probe, "healthz (under load)", until=finished))
        tasks = [
            asyncio.create_task(
                take_test(
                    stats,
                    cadre,
                    exam_id,
                    first + index * spacing,
                    think,
                    random.Random(seed * 100_003 + index),
                )
            )
            for index, cadre in enumerate(ready)
        ]
        _done, pending = await asyncio.wait(tasks, timeout=budget)
        for task in pending:
            task.cancel()
        finished.set()
        await prober
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                stats.failed("submit", f"load generator error: {task.exception()!r}")
        burst_seconds = time.perf_counter() - began
        busy_after, total_after = machine_cpu()
        cpu = {
            "gunicorn": server.cpu_seconds() - cpu_before["gunicorn"],
            "load generator": time.process_time() - cpu_before["load generator"],
            "database server": sum(
                seconds - database_before.get(pid, 0.0) for pid, seconds in database_server_cpu().items()
            ),
            "machine busy": busy_after - busy_before,
            "machine total": total_after - total_before,
        }
        return Run(stats, sign_in_seconds, burst_seconds, len(pending), cpu)
    finally:
        for client in [probe, *(cadre.client for cadre in cadres)]:
            await client.aclose()


# ---- the report ----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report(args: argparse.Namespace, backend: str, prepared: Prepared, run: Run, db_state: Stored) -> bool:
    stats, ms, cadres = run.stats, 1000, len(prepared.usernames)
    print(f"\n{'step':<22}{'requests':>9}{'failures':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for step in STEPS:
        values, failures = stats.latencies[step], sum(stats.failures[step].values())
        figures = "".join(f"{percentile(values, p) * ms:>9.0f}" for p in (50, 95, 99)) if values else ""
        print(f"{step:<22}{len(values):>9}{failures:>9}{figures}{max(values, default=0) * ms:>9.0f}")
    for step in STEPS:
        for message, count in stats.failures[step].most_common(3):
            print(f"  {step} failed {count}×: {message}")

    timed = sum(len(stats.latencies[step]) for step in ("start", "save", "submit", "healthz (under load)"))
    planned_seconds = START_WINDOW_SECONDS + 3 * (ANSWERS_PER_CADRE + 1) * args.think
    planned = cadres * (ANSWERS_PER_CADRE + 2)
    print(f"\nsign-in of {cadres} cadres ({SIGN_IN_CONCURRENCY} at a time): {run.sign_in_seconds:.1f} s")
    print(
        f"the test: {run.burst_seconds:.1f} s, {timed} requests ({timed / run.burst_seconds:.0f}/s); "
        f"planned: {planned} in about {planned_seconds:.0f} s ({planned / planned_seconds:.0f}/s) "
        "had every response been instant"
    )
    cpu, cores = run.cpu, os.cpu_count() or 1
    other = cpu["machine busy"] - cpu["gunicorn"] - cpu["load generator"] - cpu["database server"]
    per_request = {name: f"{1000 * cpu[name] / max(1, timed):.1f} ms a request" for name in cpu}
    busy = cpu["machine busy"] / cpu["machine total"]
    print(
        f"CPU during the test: {cpu['machine busy']:.0f} of {cpu['machine total']:.0f} core-seconds busy "
        f"({busy:.0%} of {cores} cores): gunicorn {cpu['gunicorn']:.0f} s "
        f"({per_request['gunicorn']}), load generator {cpu['load generator']:.0f} s "
        f"({per_request['load generator']}), "
        + (
            f"PostgreSQL {cpu['database server']:.0f} s ({per_request['database server']}), "
            if backend == "postgresql"
            else ""
        )
        + f"kernel and other processes {other:.0f} s"
    )
    if cpu["background"] > 0.1 or other > 0.15 * cpu["machine total"]:
        print(
            f"!!! other processes were using the machine ({cpu['background']:.0%} busy just before the "
            f"run, {other:.0f} core-seconds during it): these figures are pessimistic !!!"
        )
    if run.unfinished:
        print(f"!!! {run.unfinished} cadres had not finished within the time budget and were stopped !!!")

    acknowledged = {(attempt, position): seq for attempt, position, seq in stats.acknowledged}
    missing = [(key, seq) for key, seq in acknowledged.items() if db_state.answers.get(key, 0) < seq]
    print(
        f"\nanswers acknowledged (HTTP 200 to a save): {len(acknowledged)}; answers in the database: "
        f"{len(db_state.answers)}; acknowledged but missing: {len(missing)}"
    )
    if missing:
        print(f"!!! {len(missing)} ACKNOWLEDGED ANSWERS ARE MISSING FROM THE DATABASE !!!")
        for (attempt, position), seq in missing[:5]:
            print(
                f"!!!   attempt {attempt}, position {position}: acknowledged seq {seq}, "
                f"stored {db_state.answers.get((attempt, position))}"
            )
    elif len(db_state.answers) != len(acknowledged):
        print(
            f"(the database holds {len(db_state.answers) - len(acknowledged)} answers whose save was not "
            "acknowledged: written, but the response failed or never arrived)"
        )
    print(f"attempts in the database: {dict(db_state.attempts)}")

    failures = sum(sum(counter.values()) for counter in stats.failures.values())
    save_p95 = percentile(stats.latencies["save"], 95) * ms if stats.latencies["save"] else math.inf
    start_p95 = percentile(stats.latencies["start"], 95) * ms if stats.latencies["start"] else math.inf
    targets = [
        ("no failed request", failures == 0 and not run.unfinished, f"{failures} failed"),
        ("no acknowledged answer missing", not missing, f"{len(missing)} missing"),
    ]
    if backend == "postgresql":
        targets.append(("autosave p95 < 100 ms (PostgreSQL)", save_p95 < 100, f"{save_p95:.0f} ms"))
    targets.append(("start p95 < 300 ms", start_p95 < 300, f"{start_p95:.0f} ms"))
    print("\ntargets:")
    for name, met, figure in targets:
        print(f"  {name:<38}{figure:>12}  {'met' if met else 'MISSED'}")
    if backend != "postgresql":
        print(f"  {'autosave p95 < 100 ms':<38}{save_p95:>9.0f} ms  (the target is for PostgreSQL)")
    print(
        f"\nnotes: the {cadres} cadres were inserted directly with a cheap password hash ({CHEAP_HASH}; "
        "production hashes with scrypt, ~0.15 s each), so sign-in costs less here than in production. "
        "Sign-in, start, save and submit all went through the HTTP API. "
        f"This machine has {cores} cores, shared by the load generator, the {args.workers} gunicorn "
        "workers and the database server: latencies include waiting for a core (compare GET /healthz "
        "under load)."
    )
    return all(met for _name, met, _figure in targets)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL on 127.0.0.1 (its public schema is recreated); "
        "default: SQLite in a temporary folder",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="multiplier for the 1–5 s gaps between a cadre's requests (0.1 for a quick run)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--gunicorn-option",
        action="append",
        default=[],
        help="passed on to gunicorn, e.g. --gunicorn-option=--worker-class=gthread (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    if args.cadres < 1 or args.think < 0 or args.workers < 1:
        parser.error("--cadres and --workers must be at least 1, --think at least 0")

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Ctrl+C or a kill stops gunicorn too, through the finally below (SIGINT is restored in case
    # the script was started from a shell that ignores it, as background jobs are).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="exam-burst-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'burst.db'}"
        backend = check_url(url)
        prepared = prepare(url, folder, args.cadres)
        print(
            f"database: {backend}; set-up (migrations, {args.cadres} cadres, shipped banks, "
            f"a {ANSWERS_PER_CADRE}-question test): {prepared.seconds:.1f} s"
        )
        background = background_load()
        server = Server(url, folder, args.workers, args.gunicorn_option)
        try:
            server.wait_ready()
            print(
                f"gunicorn: {args.workers} workers at {server.base}; {args.cadres} cadres start within "
                f"{START_WINDOW_SECONDS:.0f} s, then {ANSWERS_PER_CADRE} saves each, "
                f"1–5 s × {args.think:g} apart"
            )
            run = asyncio.run(load(server, prepared.exam_id, prepared.usernames, args.think, args.seed))
            run.cpu["background"] = background
        except Exception:
            print(f"gunicorn log (last lines):\n{server.tail()}", file=sys.stderr)
            raise
        finally:
            server.stop()
        timeouts = server.log_path.read_text(errors="replace").count("WORKER TIMEOUT")
        if timeouts:
            print(f"!!! gunicorn killed {timeouts} workers for exceeding its timeout !!!")
        ok = report(args, backend, prepared, run, stored(url, prepared.exam_id))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped, temporary folder removed", file=sys.stderr)
        sys.exit(130)
