"""Searches match what was typed: `%` and `_` are characters, not wildcards."""

from __future__ import annotations

import re

from studyhall import PROJECT_ROOT, clock, db
from studyhall.banks import service as banks
from studyhall.banks.formats import FORMATS
from tests.banks.helpers import csv_bytes, row, sheet_rows


def test_people_search_matches_percent_and_underscore_literally(admin, people, client):
    people.user("user_1", name="百分之百%")
    people.user("userx1", name="百分之百")
    found = client.get("/admin/users?q=user_1").get_data(as_text=True)
    assert "userx1" not in found and "user_1" in found
    found = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "user_1" in found and "userx1" not in found and "admin1" not in found


def test_bank_search_matches_percent_and_underscore_literally(app, admin, client):
    questions = [
        row("判断", "增长率达到50%以上。", [], "对", categories="A_B", id="Q-1"),
        row("判断", "增长500元以上。", [], "对", categories="AxB", id="Q-2"),
    ]
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "检索", FORMATS["csv"].parse(csv_bytes(sheet_rows(*questions))))
        bank_id = banks.apply_import(session, None, plan, now=clock.now()).bank.id
        session.commit()
    by_text = client.get(f"/admin/banks/{bank_id}?q=50%25").get_data(as_text=True)
    assert "50%以上" in by_text and "500元" not in by_text
    by_category = client.get(f"/admin/banks/{bank_id}?category=A_B").get_data(as_text=True)
    assert "50%以上" in by_category and "500元" not in by_category


def test_every_sql_text_search_goes_through_the_escaping_helper():
    raw = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in (PROJECT_ROOT / "studyhall").rglob("*.py")
        if path.name != "search.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\.i?(like|contains)\(", line)
    ]
    assert raw == []
