"""The audit log says what the points, 积分公示 and 学习强国 actions did in words, with the person a
manual award or its reversal concerned in 对象 and its reason among the details."""

from __future__ import annotations

from datetime import timedelta

from studyhall import clock, db
from studyhall.accounts import service as accounts
from tests.conftest import PASSWORD
from tests.points.test_manual import award, first_award_id
from tests.points.test_pages import login_rule_id, rule_form
from tests.points.test_publications import MONDAY_0800, publish_week


def audit_rows(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each action's row of the audit page (the latest of each), as the administrator reads it."""
    admin = app.test_client()
    admin.post("/login", data={"username": "admin1", "password": PASSWORD})
    table = admin.get("/admin/audit").get_data(as_text=True).split('id="audit"')[1].split("</table>")[0]
    rows: dict[str, str] = {}
    for row in table.split("<tr>")[2:]:  # the head's row first
        action = row.split('data-action="')[1].split('"')[0]
        rows.setdefault(action, row)
    return rows


def test_point_and_notice_entries_read_as_words_with_full_width_colons(app, org, frozen_now):
    admin = app.test_client()
    admin.post("/login", data={"username": "admin1", "password": PASSWORD})
    rule_id = login_rule_id(app)
    admin.post(
        f"/admin/points/rules/{rule_id}", data=rule_form(rule_id, points="2", daily_cap="2", enabled="y")
    )
    award(admin, "10001 20001", reason="学习标兵")
    admin.post(f"/admin/points/awards/{first_award_id(app)}/reverse", data={"reason": "录入错误"})
    frozen_now(MONDAY_0800 + timedelta(hours=1))
    publish_week(app)
    admin.post("/admin/points/publications/schedule", data={"weekly": "y"})
    with app.app_context(), db.new_session() as session:  # as the 学习强国 import writes it
        accounts.record(
            session,
            None,
            "xxqg.import",
            "学习强国积分导出.csv",
            now=clock.now(),
            exported_on="2026-04-17",
            matched=3,
            unmatched=0,
        )
        session.commit()
    rows = audit_rows(app)

    rule = rows["points.rule"]
    assert (
        "每次积分：2" in rule and "每日上限：2" in rule and "每周上限：不限" in rule and "使用中：是" in rule
    )
    given = rows["points.award"]
    assert "<td>王建国 (10001)和张三 (20001)</td>" in given  # 对象: the people, not the reason
    assert "理由：学习标兵" in given and "10001和20001" in given and "→" not in given
    taken = rows["points.reverse"]
    assert "<td>王建国 (10001)</td>" in taken and "理由：录入错误" in taken
    published = rows["publication.publish"]
    assert "时段：2026年4月13日至4月19日" in published and "week" not in published
    assert "所在支部：全单位" in published
    schedule = rows["publication.schedule"]
    assert "每周自动公示：开启" in schedule and "每月自动公示：关闭" in schedule and "True" not in schedule
    assert "导出日期：2026年4月17日" in rows["xxqg.import"]
    for action, row in rows.items():
        details = row.split('<td class="wide">')[1].split("</td>")[0]
        assert ": " not in details, action  # 时段：, never 时段:
