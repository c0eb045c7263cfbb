"""Benchmark: import a generated 10,000-question .xlsx into a fresh bank.

Target (issue: question banks): the whole import — parse, lint, plan and write — under 10 seconds
on the project machine (2 cores). For comparison, the same run times openpyxl merely reading every
cell of the file, the floor any .xlsx import stands on.

    python benchmarks/bank_import.py                      # SQLite in a temporary folder
    python benchmarks/bank_import.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

The PostgreSQL database must be on 127.0.0.1; its public schema is dropped and recreated.
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from pathlib import Path

from fresh_database import check_url, recreate
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from studyhall import clock, create_app, db
from studyhall.banks import service
from studyhall.banks.formats import parse_file
from studyhall.banks.formats.sheet import HEADER
from studyhall.banks.models import Question

TOPICS = [
    "国家安全法",
    "反间谍法",
    "数据安全法",
    "反恐怖主义法",
    "宪法",
    "党章",
    "政法工作条例",
    "支部工作条例",
]
# Three thousand CJK characters: real question text draws on a vocabulary at least this wide.
WORDS = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


def sentence(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(length))


def generate(count: int, seed: int = 15) -> bytes:
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("试题")
    sheet.append(list(HEADER))
    for number in range(1, count + 1):
        kind = rng.choice(["单选", "单选", "多选", "判断", "填空"])
        topic = rng.choice(TOPICS)
        stem = f"根据《{topic}》第{rng.randint(1, 90)}条，{sentence(rng, rng.randint(18, 40))}（ ）。"
        options = [sentence(rng, rng.randint(4, 12)) for _ in range(4)] if kind in ("单选", "多选") else []
        if kind == "单选":
            answer = rng.choice("ABCD")
        elif kind == "多选":
            answer = "".join(sorted(rng.sample("ABCD", rng.randint(2, 4))))
        elif kind == "判断":
            answer = rng.choice(["对", "错"])
        else:
            stem = stem.replace("（ ）", "____")
            answer = sentence(rng, 4)
        sheet.append(
            [
                kind,
                stem,
                *(options + [""] * (8 - len(options))),
                answer,
                sentence(rng, 30),
                1,
                rng.randint(1, 5),
                topic,
                f"《{topic}》第{rng.randint(1, 90)}条",
                f"B-{number:05d}",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_only_baseline(data: bytes) -> float:
    start = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    for _row in sheet.iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        check_url(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder})
        with app.app_context():
            engine = db.engine()
            recreate(engine)
            data = generate(args.questions)
            size = len(data) / 1e6
            print(f"file: {args.questions} questions, {size:.1f} MB (.xlsx), database: {engine.dialect.name}")
            baseline = read_only_baseline(data)

            timings = {}
            start = time.perf_counter()
            result = parse_file("bench.xlsx", data)
            timings["parse"] = time.perf_counter() - start
            with db.new_session() as session:
                start = time.perf_counter()
                plan = service.plan_import(session, "基准测试", result)
                timings["lint + plan"] = time.perf_counter() - start
                assert plan.ok, plan.result.errors[:3]
                start = time.perf_counter()
                service.apply_import(session, None, plan, now=clock.now())
                session.commit()
                timings["write"] = time.perf_counter() - start
                stored = session.scalar(select(func.count()).select_from(Question))
            total = sum(timings.values())
            print(f"baseline (openpyxl reads every cell): {baseline:6.2f} s")
            for step, seconds in timings.items():
                print(f"{step:>36}: {seconds:6.2f} s")
            print(
                f"{'import total':>36}: {total:6.2f} s  (target < 10 s: {'met' if total < 10 else 'MISSED'}; "
                f"{total / baseline:.1f}× the read-only baseline)"
            )
            print(f"questions stored: {stored}, warnings: {len(plan.result.warnings)}")
            engine.dispose()


if __name__ == "__main__":
    main()
