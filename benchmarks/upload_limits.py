"""Benchmark: how long an import takes to accept or refuse a sheet at the upload size limit.

Target (issue 9, item 11): a file at the size limit (STUDYHALL_MAX_UPLOAD_MB, 10 MB) is parsed or
refused within about 10 s. Prints the time and the outcome for each case: the biggest bank and
people sheets the row limits accept, and 10 MB files built to be slow (many rows, with and without
a <dimension>, rows padded wide, millions of shared texts, a CSV). No database for these: parsing
and checking is what is measured. Then the 学习强国 preview, whole (upload, read, match, page), at
its row limit, on SQLite in a temporary folder: every row matched, and every row with a bad value
in 15 period columns.

    python benchmarks/upload_limits.py
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bank_import import generate
from fresh_database import recreate
from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from studyhall import create_app, db
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role, User
from studyhall.accounts.user_import import COLUMNS
from studyhall.accounts.user_import import LIMITS as PEOPLE_LIMITS
from studyhall.banks.formats import parse_file
from studyhall.banks.formats.sheet import LIMITS as BANK_LIMITS
from studyhall.tabular import FileProblem, read_rows
from studyhall.xxqg.imports import LIMITS as XXQG_LIMITS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' file builders
from tests.banks.helpers import xlsx, xlsx_with_shared_texts  # noqa: E402

SIZE_LIMIT = 10 * 1024 * 1024


def people(count: int, seed: int = 9) -> bytes:
    rng = random.Random(seed)
    return xlsx(
        [list(COLUMNS)]
        + [
            [f"{100000 + n}", f"干警{rng.randint(1, 10**6)}", "第一党支部", "第一党小组", "干警", ""]
            for n in range(count)
        ]
    )


def at_size(make: Callable[[int], bytes], limit: int = SIZE_LIMIT) -> bytes:
    """The largest file `make(count)` builds that stays under the size limit."""
    count, data = 1000, make(1000)
    while len(data) < limit * 0.9:
        count = int(count * limit * 0.95 / len(data))
        data = make(count)
    while len(data) > limit:
        count = int(count * 0.97)
        data = make(count)
    return data


def run(label: str, reader: Callable[[], object]) -> None:
    start = time.perf_counter()
    try:
        outcome = reader()
    except FileProblem as problem:
        outcome = f"refused: {problem}"
    print(f"{label:<52} {time.perf_counter() - start:6.2f} s  {outcome}")


def main() -> None:
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": "sqlite://"})
    with app.test_request_context():
        bank_max = generate(BANK_LIMITS.rows - 1)
        run(f"bank .xlsx at the row limit ({len(bank_max) / 1e6:.1f} MB)", lambda: _questions(bank_max))
        big_bank = at_size(generate)
        label = f"bank .xlsx of {len(big_bank) / 1e6:.1f} MB"
        run(label + ", no <dimension>", lambda: _questions(big_bank))
        sized = workbook_from(big_bank)
        run(label + f" rewritten with a <dimension> ({len(sized) / 1e6:.1f} MB)", lambda: _questions(sized))
        wide = xlsx([["题型", "题干", "答案"]] + [["单选"] * 2 + [""] * 5000 + ["x"]] * 400)
        run(f"bank .xlsx, rows 5,000 cells wide ({len(wide) / 1e6:.1f} MB)", lambda: _questions(wide))
        texts_max = xlsx_with_shared_texts(BANK_LIMITS.cells)
        run(f"bank .xlsx with {BANK_LIMITS.cells:,} shared texts (the limit)", lambda: _questions(texts_max))
        texts = at_size(xlsx_with_shared_texts)
        run(f"bank .xlsx of {len(texts) / 1e6:.1f} MB of shared texts", lambda: _questions(texts))
        csv_data = _as_csv(big_bank)
        run(f"bank .csv of {len(csv_data) / 1e6:.1f} MB", lambda: _questions(csv_data, "bank.csv"))
        people_max = people(PEOPLE_LIMITS.rows - 1)
        run(
            f"people .xlsx at the row limit ({len(people_max) / 1e6:.1f} MB)",
            lambda: f"{len(read_rows('people.xlsx', people_max, PEOPLE_LIMITS))} rows read",
        )
        big_people = at_size(people)
        run(
            f"people .xlsx of {len(big_people) / 1e6:.1f} MB",
            lambda: f"{len(read_rows('people.xlsx', big_people, PEOPLE_LIMITS))} rows read",
        )
    xxqg_previews()


def xxqg_previews() -> None:
    """The 学习强国 preview of an export at its row limit, as an administrator gets it."""
    people = XXQG_LIMITS.rows - 1  # and the header
    periods = [f"第{n}周积分" for n in range(1, 16)]
    header = "姓名,所在组织,总积分," + ",".join(periods)
    matched = "\n".join(
        [header]
        + [f"干警{n},机关党委/第一党支部,{10000 + n}," + ",".join(["30"] * 15) for n in range(people)]
    )
    broken = "\n".join(
        [header] + [f"干警{n},机关党委/第一党支部,{10000 + n}," + ",".join(["-"] * 15) for n in range(people)]
    )
    with tempfile.TemporaryDirectory(prefix="upload-limits-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(
            {"SECRET_KEY": "bench", "DATABASE_URL": url, "INSTANCE_PATH": folder, "WTF_CSRF_ENABLED": False}
        )
        now = datetime.now(UTC)
        with app.app_context():
            recreate(db.engine())
            with db.new_session() as session:
                root = accounts.create_branch(session, None, "机关党委", None, now=now)
                branch = accounts.create_branch(session, None, "第一党支部", root.id, now=now)
                accounts.create_user(
                    session,
                    None,
                    username="admin",
                    display_name="管理员",
                    role=Role.ADMIN,
                    branch_id=root.id,
                    password="Quill-Harbour-47-Lantern",
                    must_change_password=False,
                    now=now,
                )
                hashed = generate_password_hash("unused-password", "pbkdf2:sha256:1000")
                session.execute(
                    insert(User),
                    [
                        {
                            "username": f"{100000 + n}",
                            "display_name": f"干警{n}",
                            "branch_id": branch.id,
                            "role": Role.CADRE,
                            "password_hash": hashed,
                            "created_at": now,
                        }
                        for n in range(people)
                    ],
                )
                session.commit()
        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": "Quill-Harbour-47-Lantern"})
        for label, text in (("every row matched", matched), ("15 bad values a row", broken)):
            data = text.encode()
            run(
                f"学习强国 preview, {people:,} rows ({len(data) / 1e6:.1f} MB .csv), {label}",
                lambda data=data: _preview(client, data),
            )


def _preview(client, data: bytes) -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        "/admin/xxqg/upload",
        data={"file": (io.BytesIO(data), "学习强国_2026-04-14.csv")},
        content_type="multipart/form-data",
    )
    return f"{response.status_code}, a {len(response.data) / 1e6:.1f} MB page"


def workbook_from(data: bytes) -> bytes:
    """The same rows through openpyxl's normal writer, which records the <dimension>
    (bank_import.generate writes none)."""
    rows = read_rows("bank.xlsx", data, type(BANK_LIMITS)(rows=10**7, cells=10**9))
    return xlsx([list(row.cells) for row in rows])


def _as_csv(data: bytes) -> bytes:
    rows = read_rows("bank.xlsx", data, type(BANK_LIMITS)(rows=10**7, cells=10**9))
    text = "\n".join(",".join(cell.replace(",", "，") for cell in row.cells) for row in rows)
    return text.encode("utf-8")[:SIZE_LIMIT]


def _questions(data: bytes, filename: str = "bank.xlsx") -> str:
    result = parse_file(filename, data)
    if result.errors and not result.questions:
        raise FileProblem(result.errors[0].message)
    return f"{len(result.questions)} questions parsed"


if __name__ == "__main__":
    main()
