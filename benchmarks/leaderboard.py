"""Benchmark: leaderboards, "my rank" and awarding a point over a year of points for 100,000 people.

Targets (issue 11): the top-50 people board and "my rank" under 30 ms p95 on PostgreSQL, awarding a
point under 5 ms p95, and the corridor screen's JSON (/display/<token>/data.json) answering 304 at
no less than 80 % of the throughput of a trivial endpoint under gunicorn.

Set-up (not timed): a fresh database (the given PostgreSQL database on 127.0.0.1, whose public
schema is dropped and recreated, or SQLite in a temporary folder), migrated; one 机关党委 with 99
党支部 and 400 党小组 under them (500 branches), N people spread over the 党小组 (2 % of them
deactivated), the reading and daily-practice rules enabled as an administrator would, and a ledger
of about 100 rows a person over the last 365 days — daily sign-ins, readings and practice within
their daily caps, a test a month — in time order, each person with their own level of activity, so
the boards of a day, a week, a month, a year and all time have the sizes they would. The ledger is
loaded with COPY (PostgreSQL) or executemany (SQLite); the totals are then summed from it in SQL,
so they equal the ledger exactly, as the awards would have kept them.

Measured in this process, in an app context, through the real functions, on each period's board
(yesterday, last week and last month, whole; this year; all time): boards.people (the top 50),
boards.standing ("my rank") for a person near the median and for the last on the board, and
boards.branches (党支部 and 党小组); then service.award of a reading point, with its daily cap, to
random people (award and commit). The baselines in the same run are `SELECT 1` through the same
session (one round trip, the floor of any query) and a one-row UPDATE and its commit (the floor of
any write: the commit waits for the log to reach the disk). Then, if the app has the corridor
screen's JSON route, gunicorn (4 sync workers) serves its 200 and 304 paths beside a
trivial endpoint (the attempt page's service worker script: no database, no session) and /healthz.

    python benchmarks/leaderboard.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/studyhall_bench
    python benchmarks/leaderboard.py --people 10000                 # SQLite in a temporary folder
    python benchmarks/leaderboard.py --keep --database-url ...      # measure the data a run left

--keep skips the set-up and measures what an earlier run generated (migrated to the newest revision
first), to compare a change to the queries or indexes without generating the data again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import random
import statistics
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import exam_burst as burst
from fresh_database import check_url, recreate
from lean_http import Client, HTTPError
from sqlalchemy import Engine, Table, UniqueConstraint, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from studyhall import clock, create_app, db, migrations
from studyhall.accounts import levels
from studyhall.accounts.models import Branch, Role, User
from studyhall.points import boards, periods, service
from studyhall.points.models import Period, PointAward, PointCount, PointRule, PointTotal
from studyhall.points.service import RuleKey

BRANCHES = 99  # 党支部 under the one 机关党委
GROUPS = 400  # 党小组, spread over the 党支部: 1 + 99 + 400 = 500 branches
INACTIVE_SHARE = 0.02
DAYS = 365
ROWS_PER_PERSON = 100
EXAMS = 12  # one a month; a test's points are its score out of 10
ADMIN = "bench-admin"
# A hash no password matches: nobody signs in as these people.
NO_PASSWORD = "!"

TARGET_BOARD_MS = 30.0
TARGET_AWARD_MS = 5.0
TARGET_NOT_MODIFIED_SHARE = 0.8


# ---- the data --------------------------------------------------------------------------------


def generate(engine: Engine, people: int, seed: int) -> None:
    """Branches, people, rules and ledger as the module's docstring says, then the totals."""
    rng = random.Random(seed)
    now = clock.now()
    today = periods.local_day(now, clock.local_zone())
    began = time.perf_counter()
    with db.new_session() as session:
        root = Branch(name="机关党委")
        session.add(root)
        session.flush()
        units = [Branch(name=f"第{number}党支部", parent_id=root.id) for number in range(1, BRANCHES + 1)]
        session.add_all(units)
        session.flush()
        groups = [
            Branch(name=f"第{number // BRANCHES + 1}党小组", parent_id=units[number % BRANCHES].id)
            for number in range(GROUPS)
        ]
        session.add_all(groups)
        session.flush()
        admin = User(
            username=ADMIN,
            display_name="基准管理员",
            branch_id=root.id,
            role=Role.ADMIN,
            active=True,
            password_hash=NO_PASSWORD,
            must_change_password=False,
            created_at=now,
        )
        session.add(admin)
        session.flush()
        # The rules a study platform awards daily, with their caps (reading 6, practice 5 a day),
        # switched on directly: their features are still to come, so edit_rule refuses them.
        service.rules(session)
        session.execute(
            update(PointRule)
            .where(PointRule.key.in_([RuleKey.READING, RuleKey.PRACTICE]))
            .values(enabled=True)
        )
        rule_of = {found.key: (found.id, found.version) for found in service.rules(session)}
        group_ids = [group.id for group in groups]
        session.commit()
        first_user = admin.id + 1
    users = [
        (
            f"{number:06d}",
            f"干部{number:06d}",
            group_ids[number % len(group_ids)],
            rng.random() >= INACTIVE_SHARE,
        )
        for number in range(1, people + 1)
    ]
    write_users(engine, users, now)
    user_ids = range(first_user, first_user + people)
    print(f"  branches and {people:,} people: {time.perf_counter() - began:.1f} s", flush=True)

    began = time.perf_counter()
    with indexes_built_after(engine, PointAward.__table__):
        rows = write_ledger(engine, ledger(rng, user_ids, rule_of, today, people * ROWS_PER_PERSON))
    print(f"  ledger, {rows:,} rows: {time.perf_counter() - began:.1f} s", flush=True)
    began = time.perf_counter()
    sum_totals(engine)
    print(f"  totals and statistics: {time.perf_counter() - began:.1f} s", flush=True)


def write_users(engine: Engine, users: list[tuple[str, str, int, bool]], now: datetime) -> None:
    columns = (
        "username, display_name, branch_id, role, active, password_hash, must_change_password,"
        " auth_version, created_at"
    )
    rows = [
        (username, name, branch_id, Role.CADRE.value, active, NO_PASSWORD, False, 1, now)
        for username, name, branch_id, active in users
    ]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f'COPY "user" ({columns}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            cursor.executemany(
                f'INSERT INTO "user" ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                [(*row[:8], stamp) for row in rows],
            )
        raw.commit()
    finally:
        raw.close()


def ledger(
    rng: random.Random,
    user_ids: range,
    rule_of: dict[str, tuple[int, int]],
    today: date,
    wanted: int,
) -> Iterator[tuple[int, int, int, str, int, int, date]]:
    """(user, rule, version, source, points, seconds after the day's 08:00, day), day by day.

    Each person is active on a share of days drawn from a skewed distribution (a few every day, most
    now and then); an active day has a sign-in, 0–6 readings and 0–5 practice points; a test a
    month is taken by about half, scored out of 10. Scaled so the rows come to about `wanted`."""
    first = today - timedelta(days=DAYS - 1)
    shares = [rng.betavariate(1.2, 8) for _ in user_ids]
    readings = [0, 0, 1, 1, 2, 3, 6]
    practice = [0, 0, 0, 1, 2, 5]
    per_active_day = 1 + statistics.mean(readings) + statistics.mean(practice)
    exam_rows = 0.5 * EXAMS
    scale = (wanted / len(user_ids) - exam_rows) / (per_active_day * DAYS * statistics.mean(shares))
    active_on: list[array[int]] = [array("i") for _ in range(DAYS)]
    for user_id, share in zip(user_ids, shares, strict=True):
        for offset in rng.sample(range(DAYS), min(DAYS, round(share * scale * DAYS))):
            active_on[offset].append(user_id)
    exam_days = {DAYS - 1 - round(number * DAYS / EXAMS) - 3: number + 1 for number in range(EXAMS)}
    login, exam = rule_of[RuleKey.LOGIN], rule_of[RuleKey.EXAM]
    reading, practising = rule_of[RuleKey.READING], rule_of[RuleKey.PRACTICE]
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        stamp = day.isoformat()
        for user_id in active_on[offset]:
            second = rng.randrange(14 * 3600 - 3600)
            yield user_id, *login, f"day:{stamp}", 1, second, day
            for number in range(rng.choice(readings)):
                yield user_id, *reading, f"reading:{stamp}:{number}", 1, second + 60 * (number + 1), day
            for number in range(rng.choice(practice)):
                yield user_id, *practising, f"practice:{stamp}:{number}", 1, second + 30 * (number + 1), day
        if offset in exam_days:
            for user_id in user_ids:
                if rng.random() < 0.5:
                    score = rng.choice((4, 6, 7, 8, 8, 9, 9, 10, 10))
                    yield user_id, *exam, f"exam:{exam_days[offset]}", score, rng.randrange(50400), day


@contextlib.contextmanager
def indexes_built_after(engine: Engine, table: Table) -> Iterator[None]:
    """Drop a table's secondary indexes (and on PostgreSQL its unique constraints) for a bulk load
    and build them after it: one sort each instead of millions of inserts at random places."""
    uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        for index in table.indexes:
            index.drop(connection)
        for unique in uniques if postgres else []:
            connection.execute(DropConstraint(unique))
    yield
    with engine.begin() as connection:
        if postgres:
            connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for unique in uniques if postgres else []:
            connection.execute(AddConstraint(unique))
        for index in table.indexes:
            index.create(connection)


def write_ledger(engine: Engine, rows: Iterator[tuple[int, int, int, str, int, int, date]]) -> int:
    """Load the ledger: COPY in chunks of text on PostgreSQL, executemany on SQLite."""
    columns = "user_id, rule_id, rule_version, source, seq, points, at, day, reason"
    postgres = engine.dialect.name == "postgresql"
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if postgres:
            # The rows name people and rules that exist: no foreign-key trigger for each of them
            # (the server's superuser, as the benchmark's database is local).
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(f"COPY point_award ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                chunk = io.StringIO()
                for user_id, rule_id, version, source, points, second, day in rows:
                    at = datetime(day.year, day.month, day.day) + timedelta(seconds=second)  # UTC
                    chunk.write(f"{user_id}\t{rule_id}\t{version}\t{source}\t0\t{points}\t{at}+00\t{day}\t\n")
                    count += 1
                    if count % 100_000 == 0:
                        copy.write(chunk.getvalue())
                        chunk = io.StringIO()
                copy.write(chunk.getvalue())
        else:
            batch: list[tuple[object, ...]] = []
            statement = f"INSERT INTO point_award ({columns}) VALUES (?, ?, ?, ?, 0, ?, ?, ?, '')"
            for user_id, rule_id, version, source, points, second, day in rows:
                at = datetime(day.year, day.month, day.day) + timedelta(seconds=second)
                batch.append(
                    (user_id, rule_id, version, source, points, at.isoformat(" ", "microseconds"), str(day))
                )
                count += 1
                if len(batch) == 100_000:
                    cursor.executemany(statement, batch)
                    batch = []
            cursor.executemany(statement, batch)
        raw.commit()
    finally:
        raw.close()
    return count


def sum_totals(engine: Engine) -> None:
    """Every period's totals summed from the ledger: `reached_at` is a total's latest award, as the
    service keeps it."""
    if engine.dialect.name == "postgresql":
        starts = {
            Period.DAY: "day",
            Period.WEEK: "date_trunc('week', day)::date",
            Period.MONTH: "date_trunc('month', day)::date",
            Period.YEAR: "date_trunc('year', day)::date",
            Period.ALL: f"DATE '{periods.ALL_TIME_START}'",
        }
    else:
        starts = {
            Period.DAY: "day",
            Period.WEEK: "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
            Period.MONTH: "date(day, 'start of month')",
            Period.YEAR: "date(day, 'start of year')",
            Period.ALL: f"'{periods.ALL_TIME_START}'",
        }
    with indexes_built_after(engine, PointTotal.__table__), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL work_mem = '512MB'"))
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # as for the ledger
        for period, start in starts.items():
            connection.execute(
                text(
                    "INSERT INTO point_total (period, start, user_id, points, reached_at)"
                    f" SELECT '{period.value}', {start}, user_id, SUM(points), MAX(at) FROM point_award"
                    f" GROUP BY {start}, user_id"
                )
            )
        # The counts of people per total, as the migration that introduced them fills them.
        connection.execute(
            text(
                "INSERT INTO point_count (period, start, points, people)"
                " SELECT period, start, points, COUNT(*) FROM point_total GROUP BY period, start, points"
            )
        )
    # As autovacuum would have on a live database: statistics, and the visibility map that lets
    # PostgreSQL count from an index alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def check_totals(session: Session) -> None:
    """The totals must be the ledger's sums, or the boards measured are not the real ones."""
    ledger_sum = session.scalar(select(func.coalesce(func.sum(PointAward.points), 0)))
    for period in Period:
        kept = session.scalar(
            select(func.coalesce(func.sum(PointTotal.points), 0)).where(PointTotal.period == period.value)
        )
        if kept != ledger_sum:
            sys.exit(f"the {period.value} totals sum to {kept}, the ledger to {ledger_sum}")
    people = session.scalar(select(func.coalesce(func.sum(PointCount.people), 0)))
    if people != session.scalar(select(func.count()).select_from(PointTotal)):
        sys.exit(f"the counts of people per total hold {people} people, not one per total")


# ---- the measurements ------------------------------------------------------------------------


def line(label: str, samples: list[float], extra: str = "") -> None:
    ms = [sample * 1000 for sample in samples]
    print(
        f"  {label:<34}{len(ms):>6}{statistics.median(ms):>9.2f}{burst.percentile(ms, 95):>9.2f}"
        f"{burst.percentile(ms, 99):>9.2f}  {extra}",
        flush=True,
    )


def timed(session: Session, call: Callable[[Session], object], samples: list[float]) -> object:
    """One call, timed, in its own transaction (as a request would run it)."""
    began = time.perf_counter()
    result = call(session)
    samples.append(time.perf_counter() - began)
    session.rollback()
    return result


def measure_boards(session: Session, iterations: int) -> dict[str, float]:
    """Every period's current board: top 50, my rank near the median and at the bottom, branch
    boards. Returns the worst p95 of the people board and of my rank."""
    now = clock.now()
    zone = clock.local_zone()
    worst = {"board": 0.0, "rank": 0.0}
    print(f"\n  {'(ms)':<34}{'calls':>6}{'p50':>9}{'p95':>9}{'p99':>9}")
    floor: list[float] = []
    for _ in range(iterations):
        timed(session, lambda s: s.execute(text("SELECT 1")).scalar(), floor)
    line("SELECT 1 (baseline)", floor)
    for period in Period:
        span = periods.current(period, now, zone)
        if period in (Period.DAY, Period.WEEK, Period.MONTH):
            span = span.previous()  # a whole one: the current one may have just begun
        on_board = boards.count(session, span)
        session.rollback()
        if not on_board:
            print(f"  {period.value}: nobody on the board")
            continue
        order = select(PointTotal.user_id).where(
            PointTotal.period == span.period.value, PointTotal.start == span.start
        )
        ranked = order.order_by(PointTotal.points.desc(), PointTotal.reached_at, PointTotal.user_id)
        median = session.scalar(ranked.offset(on_board // 2).limit(1))
        last = session.scalar(
            order.order_by(PointTotal.points, PointTotal.reached_at.desc(), PointTotal.user_id.desc()).limit(
                1
            )
        )
        session.rollback()
        assert median is not None and last is not None
        print(f"  {period.value} from {span.start}: {on_board:,} people on the board")
        samples: dict[str, list[float]] = {name: [] for name in ("top", "median", "last", "branch", "group")}
        calls: dict[str, Callable[[Session], object]] = {
            "top": lambda s, span=span: boards.people(s, span, limit=50),
            "median": lambda s, span=span, who=median: boards.standing(s, span, who),
            "last": lambda s, span=span, who=last: boards.standing(s, span, who),
            "branch": lambda s, span=span: boards.branches(s, span, levels.Level.BRANCH),
            "group": lambda s, span=span: boards.branches(s, span, levels.Level.GROUP),
        }
        for call in calls.values():  # warm the caches; the first call of each is not counted
            timed(session, call, [])
        ranks = {}
        for number in range(iterations):
            for name in ("top", "median", "last"):
                ranks[name] = timed(session, calls[name], samples[name])
            if number % 5 == 0:  # the branch boards are read far less often, and cost more
                for name in ("branch", "group"):
                    timed(session, calls[name], samples[name])
        line("people, top 50", samples["top"])
        line("my rank, near the median", samples["median"], f"rank {ranks['median'].rank:,}")  # type: ignore[attr-defined]
        line("my rank, the last", samples["last"], f"rank {ranks['last'].rank:,}")  # type: ignore[attr-defined]
        line("党支部 board (99)", samples["branch"])
        line("党小组 board (400)", samples["group"])
        worst["board"] = max(worst["board"], burst.percentile(samples["top"], 95) * 1000)
        worst["rank"] = max(worst["rank"], burst.percentile(samples["median"] + samples["last"], 95) * 1000)
    return worst


def measure_awards(session: Session, iterations: int, seed: int) -> float:
    """A reading point to random active people (cap 6 a day), award and commit. Returns its p95."""
    rng = random.Random(seed)
    people = session.scalars(select(User.id).where(User.active.is_(True), User.username != ADMIN)).all()
    session.rollback()
    samples: list[float] = []
    given = 0
    run = clock.now().strftime("%H%M%S")
    for number in range(iterations + 10):
        user_id = rng.choice(people)
        now = clock.now()
        began = time.perf_counter()
        row = service.award(session, user_id, RuleKey.READING, f"bench:{run}:{number}", at=now)
        session.commit()
        if number >= 10:  # the first ten warm the caches
            samples.append(time.perf_counter() - began)
            given += row is not None
    # The floor of any write: one row rewritten as it was, and the commit's flush of the log to disk.
    floor: list[float] = []
    rule_id = service.rule(session, RuleKey.READING).id
    session.commit()
    for _ in range(iterations):
        began = time.perf_counter()
        session.execute(
            update(PointRule).where(PointRule.id == rule_id).values(sort_order=PointRule.sort_order)
        )
        session.commit()
        floor.append(time.perf_counter() - began)
    line("one-row UPDATE + commit (baseline)", floor)
    line("award a reading point + commit", samples, f"{given} given, {iterations - given} capped")
    return burst.percentile(samples, 95) * 1000


# ---- the corridor screen's JSON under gunicorn ----------------------------------------------

DISPLAY_RULE = "/display/<token>/data.json"
TRIVIAL = "/attempts/sw.js"  # a static script: no database, no session, no template
CONNECTIONS = 8
SECONDS = 5.0


def measure_display(url: str, folder: str, workers: int) -> float | None:
    """The display JSON's 200 and 304 paths beside a trivial endpoint and /healthz, each for
    SECONDS with CONNECTIONS clients. Returns the 304 path's share of the trivial throughput, or
    None when the app has no such route yet."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder})
    if DISPLAY_RULE not in {rule.rule for rule in app.url_map.iter_rules()}:
        print(f"\n  display endpoint not present ({DISPLAY_RULE}): its 200 and 304 paths are not measured")
        return None
    with app.app_context(), db.new_session() as session:
        token = display_token(session)
        session.commit()
    server = burst.Server(url, folder, workers, [])
    try:
        server.wait_ready()
        path = f"/display/{token}/data.json"
        first = asyncio.run(one(server.port, path, {}))
        etag = first.headers.get("etag")
        if first.status_code != 200 or not etag:
            sys.exit(f"{path}: HTTP {first.status_code}, ETag {etag!r}")
        print(f"\n  gunicorn, {workers} sync workers, {CONNECTIONS} connections, {SECONDS:.0f} s each")
        print(f"  {'':<34}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        rates = {}
        for label, target, headers, status in (
            (f"trivial ({TRIVIAL})", TRIVIAL, {}, 200),
            ("/healthz", "/healthz", {}, 200),
            ("display JSON, 200", path, {}, 200),
            ("display JSON, 304 (If-None-Match)", path, {"If-None-Match": etag}, 304),
        ):
            rate, latencies = asyncio.run(load(server.port, target, headers, status))
            rates[label] = rate
            ms = [latency * 1000 for latency in latencies]
            print(
                f"  {label:<34}{rate:>8.0f}{statistics.median(ms):>9.2f}{burst.percentile(ms, 95):>9.2f}"
                f"{burst.percentile(ms, 99):>9.2f}",
                flush=True,
            )
        return rates["display JSON, 304 (If-None-Match)"] / rates[f"trivial ({TRIVIAL})"]
    finally:
        server.stop()


def display_token(session: Session) -> str:
    """A corridor screen with every panel on offer, registered as an administrator would; imported
    here because the display feature may not be in this checkout (measure_display checks first)."""
    from studyhall.display import panels  # type: ignore[import-not-found]
    from studyhall.display import service as display
    from studyhall.display.models import Privacy  # type: ignore[import-not-found]

    kinds = [panel.kind.value for panel in panels.offered()]
    spec = display.ScreenSpec("基准大屏", kinds, 30, Privacy.SURNAME, "")
    return str(display.register(session, None, spec, now=clock.now()).token)


async def one(port: int, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    client = Client("127.0.0.1", port, timeout=30)
    try:
        return await client.request("GET", path, headers=headers)
    finally:
        await client.aclose()


async def load(port: int, path: str, headers: dict[str, str], status: int) -> tuple[float, list[float]]:
    """CONNECTIONS clients asking in a loop for SECONDS: requests a second and their latencies."""
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SECONDS

    async def client_loop() -> None:
        client = Client("127.0.0.1", port, timeout=30)
        try:
            while loop.time() < deadline:
                began = time.perf_counter()
                try:
                    response = await client.request("GET", path, headers=headers)
                except HTTPError as error:
                    sys.exit(f"{path}: {error}")
                if response.status_code != status:
                    sys.exit(f"{path}: HTTP {response.status_code}, not {status}")
                latencies.append(time.perf_counter() - began)
        finally:
            await client.aclose()

    began = loop.time()
    await asyncio.gather(*(client_loop() for _ in range(CONNECTIONS)))
    return len(latencies) / (loop.time() - began), latencies


# ---- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL on 127.0.0.1; default: SQLite in a temporary folder"
    )
    parser.add_argument("--people", type=int, help="default: 100,000 (PostgreSQL), 10,000 (SQLite)")
    parser.add_argument("--iterations", type=int, default=200, help="calls of each board query (default 200)")
    parser.add_argument("--awards", type=int, default=1000, help="awards timed (default 1,000)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--keep", action="store_true", help="measure the data an earlier run left")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaderboard-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'leaderboard.db'}"
        if args.keep and not args.database_url:
            sys.exit("--keep needs --database-url: the SQLite database lives in a temporary folder")
        backend = check_url(url)
        people = args.people or (100_000 if backend == "postgresql" else 10_000)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder})
        with app.app_context():
            engine = db.engine()
            if args.keep:
                migrations.upgrade(engine)
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("ANALYZE"))
            else:
                print(f"generating on {backend}:", flush=True)
                recreate(engine)
                generate(engine, people, args.seed)
            with db.new_session() as session:
                check_totals(session)
                counted = session.scalar(select(func.count()).select_from(PointAward))
                people = session.scalar(select(func.count()).select_from(User)) or 0
                rules = session.scalar(select(func.count()).where(PointRule.enabled.is_(True)))
                session.rollback()
                print(f"\n{backend}: {people:,} people, {counted:,} ledger rows, {rules} rules enabled")
                worst = measure_boards(session, args.iterations)
                award_p95 = measure_awards(session, args.awards, args.seed)
            engine.dispose()
        share = measure_display(url, folder, args.workers)

    print("\ntargets:")
    if backend == "postgresql":
        print(
            f"  people board p95 < {TARGET_BOARD_MS:.0f} ms: {verdict(worst['board'] < TARGET_BOARD_MS)} ({worst['board']:.1f} ms, the slowest period)"
        )
        print(
            f"  my rank p95 < {TARGET_BOARD_MS:.0f} ms: {verdict(worst['rank'] < TARGET_BOARD_MS)} ({worst['rank']:.1f} ms, the slowest period)"
        )
        print(
            f"  award p95 < {TARGET_AWARD_MS:.0f} ms: {verdict(award_p95 < TARGET_AWARD_MS)} ({award_p95:.1f} ms)"
        )
    else:
        print("  the board and award targets are for PostgreSQL; SQLite figures are for the demo")
    if share is None:
        print("  display 304 at 80 % of the trivial endpoint: not measured (display endpoint not present)")
    else:
        print(
            f"  display 304 at 80 % of the trivial endpoint: {verdict(share >= TARGET_NOT_MODIFIED_SHARE)} ({share:.0%})"
        )


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    main()
